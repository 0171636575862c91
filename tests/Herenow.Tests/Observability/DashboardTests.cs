using System.Net;
using Herenow.Tests.Support;

namespace Herenow.Tests.Observability;

/// <summary>The Orleans Dashboard: served by the API on its admin port when Herenow:Dashboard:Enabled, never on the public port.</summary>
public sealed class DashboardTests
{
    private const int AdminPort = 19465;

    [Fact]
    public async Task The_dashboard_is_on_the_admin_port_when_enabled()
    {
        var enabled = new Dictionary<string, string?> { ["Herenow:Dashboard:Enabled"] = "true" };
        await using var cluster = await RealCluster.StartAsync(1, enabled);
        await using var api = ApiHost.CreateApi(cluster, new Dictionary<string, string?>(enabled)
        {
            ["Herenow:Admin:Port"] = AdminPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var http = api.CreateClient();

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/dashboard")).StatusCode);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/dashboard/");
        request.Headers.Host = $"127.0.0.1:{AdminPort}";
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("html", response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
    }
}
