using Npgsql;

namespace Herenow.Api.Health;

public static class HealthEndpoints
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        var health = routes.MapGroup("/health").WithTags("Health");
        // Liveness: the process is up and serving HTTP. Says nothing about dependencies.
        health.MapGet("/live", () => Results.Ok(new { status = "live" }));
        // Readiness: the database answers and at least one silo is active in the cluster.
        health.MapGet("/ready", Ready);
        return routes;
    }

    private static async Task<IResult> Ready(NpgsqlDataSource database, IClusterClient cluster)
    {
        using var timeout = new CancellationTokenSource(CheckTimeout);
        var databaseOk = await Check(async () =>
        {
            await using var command = database.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return true;
        });
        var activeSilos = 0;
        var clusterOk = await Check(async () =>
        {
            var hosts = await cluster.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(timeout.Token);
            activeSilos = hosts.Count;
            return activeSilos > 0;
        });

        var body = new
        {
            status = databaseOk && clusterOk ? "ready" : "unavailable",
            database = databaseOk ? "ok" : "unreachable",
            cluster = clusterOk ? "ok" : "unreachable",
            active_silos = activeSilos,
        };
        return databaseOk && clusterOk
            ? Results.Ok(body)
            : Results.Json(body, statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    private static async Task<bool> Check(Func<Task<bool>> probe)
    {
        try
        {
            return await probe();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }
}
