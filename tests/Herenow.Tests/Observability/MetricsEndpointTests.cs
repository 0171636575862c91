using System.Net;
using Herenow.Tests.Support;

namespace Herenow.Tests.Observability;

/// <summary>
/// The Prometheus scrape endpoints: the API's /metrics answers on its admin port only (requests, Herenow's own meters,
/// the federation queue gauge), and a silo with Herenow:Silo:AdminPort serves its own (Orleans' meters).
/// </summary>
public sealed class MetricsEndpointTests
{
    private const int AdminPort = 19464;

    [Fact]
    public async Task The_api_serves_metrics_on_its_admin_port_only()
    {
        var api = new ApiHost { Settings = { ["Herenow:Admin:Port"] = AdminPort.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
        await api.InitializeAsync();
        try
        {
            await ScrapeAfterACheckin(api.Http);
        }
        finally
        {
            await api.DisposeAsync();
        }
    }

    private static async Task ScrapeAfterACheckin(HttpClient http)
    {
        var token = await http.SignUpAsync("metrics_" + Guid.NewGuid().ToString("N")[..8]);
        var place = await http.CreatePlaceAsync(token, "Metrics place");
        await http.CheckInAsync(token, place, "public");

        // The public port does not know /metrics (RequireHost on the admin port).
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);

        string[] expected = ["herenow_checkins_created_total", "http_server_request_duration_seconds_bucket", "herenow_federation_queue_depth{",
            "state=\"pending\"", "dotnet_gc_"];
        // The queue gauge appears from the scrape after its first background read, and the exporter caches a scrape
        // briefly: scrape until every series is there (a loaded CI machine is slow to get there), then assert.
        var text = await Eventually.Value(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.Host = $"127.0.0.1:{AdminPort}";
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            return await response.Content.ReadAsStringAsync();
        }, scraped => expected.All(series => scraped.Contains(series, StringComparison.Ordinal)), "every series is scraped",
            TimeSpan.FromSeconds(45), TimeSpan.FromMilliseconds(500), show: scraped => expected.Where(s => !scraped.Contains(s, StringComparison.Ordinal)));
        foreach (var series in expected)
        {
            Assert.Contains(series, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_silo_serves_its_metrics_on_its_admin_port()
    {
        var port = SiloProcess.FreePort();
        await using var cluster = await RealCluster.StartAsync(1, new Dictionary<string, string?>
        {
            ["Herenow:Silo:AdminPort"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var text = await http.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        Assert.Contains("# TYPE", text, StringComparison.Ordinal);
        // Orleans' own meter ("Microsoft.Orleans"): membership, messaging, catalog...
        Assert.Contains("orleans_", text, StringComparison.Ordinal);
    }
}
