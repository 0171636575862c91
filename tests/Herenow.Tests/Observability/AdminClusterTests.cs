using System.Net;
using System.Text.Json;
using Herenow.Api.Admin;
using Herenow.Tests.Support;

namespace Herenow.Tests.Observability;

/// <summary>
/// GET /api/v1/admin/cluster against a real multi-silo cluster (ADO.NET membership): the silos and the membership
/// version as the answering silo's gossip has them. A silo that joins shows up Active, one that leaves shows up Dead,
/// each with a higher version; a signed-in non-admin gets 403, nobody 401.
/// </summary>
public sealed class AdminClusterTests
{
    [Fact]
    public async Task The_cluster_view_follows_a_silo_joining_and_leaving()
    {
        await using var cluster = await RealCluster.StartAsync(2);
        var admin = "ops_" + Guid.NewGuid().ToString("N")[..8];
        await using var api = ApiHost.CreateApi(cluster, new Dictionary<string, string?> { [AdminAuthorization.UsernamesKey] = $"someone,{admin}" });
        using var http = api.CreateClient();
        var adminToken = await http.SignUpAsync(admin);
        var userToken = await http.SignUpAsync("user_" + Guid.NewGuid().ToString("N")[..8]);

        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Get, "/api/v1/admin/cluster", null), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Get, "/api/v1/admin/cluster", userToken), HttpStatusCode.Forbidden);

        var first = await Until(http, adminToken, v => Active(v) == 2, "two Active silos");
        Assert.False(string.IsNullOrEmpty(first.GetProperty("answered_by").GetString()));
        var silo = first.GetProperty("silos")[0];
        Assert.False(string.IsNullOrEmpty(silo.GetProperty("address").GetString()));
        Assert.NotEqual(JsonValueKind.Null, silo.GetProperty("started_at").ValueKind);
        var v1 = Version(first);

        var third = await cluster.StartSiloAsync();
        var joined = await Until(http, adminToken, v => Active(v) == 3 && Version(v) > v1, "the third silo Active at a higher version");
        var v2 = Version(joined);

        await cluster.StopSiloAsync(third);
        var left = await Until(http, adminToken, v => Active(v) == 2 && Count(v, "Dead") >= 1 && Version(v) > v2, "the stopped silo Dead at a higher version");
        Assert.Equal(3, left.GetProperty("silos").GetArrayLength());
    }

    private static long Version(JsonElement view) => view.GetProperty("membership_version").GetInt64();

    private static int Active(JsonElement view) => Count(view, "Active");

    private static int Count(JsonElement view, string status) =>
        view.GetProperty("silos").EnumerateArray().Count(s => s.GetProperty("status").GetString() == status);

    private static async Task<JsonElement> Until(HttpClient http, string token, Func<JsonElement, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonElement view;
        do
        {
            view = await http.GetJsonAsync("/api/v1/admin/cluster", token);
            if (condition(view)) return view;
            await Task.Delay(300);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Fail($"Not seen within 60 s: {what}. Last view: {view}");
        return view;
    }
}
