using System.Net;
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
        Assert.False(string.IsNullOrEmpty(first.AnsweredBy));
        var silo = first.Silos[0];
        Assert.False(string.IsNullOrEmpty(silo.Address));
        Assert.NotNull(silo.StartedAt);
        var v1 = Version(first);

        var third = await cluster.StartSiloAsync();
        var joined = await Until(http, adminToken, v => Active(v) == 3 && Version(v) > v1, "the third silo Active at a higher version");
        var v2 = Version(joined);

        await cluster.StopSiloAsync(third);
        var left = await Until(http, adminToken, v => Active(v) == 2 && Count(v, "Dead") >= 1 && Version(v) > v2, "the stopped silo Dead at a higher version");
        Assert.Equal(3, left.Silos.Count);
    }

    private static long Version(AdminEndpoints.ClusterResponse view) => view.MembershipVersion;

    private static int Active(AdminEndpoints.ClusterResponse view) => Count(view, "Active");

    private static int Count(AdminEndpoints.ClusterResponse view, string status) => view.Silos.Count(s => s.Status == status);

    private static Task<AdminEndpoints.ClusterResponse> Until(HttpClient http, string token, Func<AdminEndpoints.ClusterResponse, bool> condition, string what) =>
        Eventually.Value(() => http.GetAsync<AdminEndpoints.ClusterResponse>("/api/v1/admin/cluster", token), condition, what,
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(300),
            show: view => $"version {view.MembershipVersion}, silos [{string.Join(", ", view.Silos.Select(s => $"{s.Name} {s.Status}"))}]");
}
