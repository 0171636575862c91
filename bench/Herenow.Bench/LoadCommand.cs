using Herenow.Bench.Runner;
using Herenow.Bench.Scenarios;
using Herenow.Bench.Seeding;

namespace Herenow.Bench;

/// <summary>
/// <c>load</c>: one fixed-rate run of one scenario, for profiling (bench/profile.sh traces the silo and the API while
/// it runs). Prints the run's summary; nothing is written to a report.
/// </summary>
public static class LoadCommand
{
    public static async Task<int> RunAsync(BenchOptions options, string postgres, CancellationToken ct)
    {
        var places = await PlaceCatalog.LoadAsync(postgres, ct);
        await using var cluster = await ClusterConnection.ConnectAsync(postgres, options.ClusterId, ct);
        var pool = SeedPlan.SessionPool(options.Users, options.SessionPool);
        var data = new BenchData(places, await SessionMinter.MintAsync(cluster.Client, pool, options.SeedParallelism, ct),
            new PosterDistribution(options.Users));
        var scenario = options.Scenario switch
        {
            "checkins" => ApiScenarios.PostCheckin(data),
            "home" => ApiScenarios.HomeFeed(data),
            "global" => ApiScenarios.GlobalFeed(),
            "nearby" => ApiScenarios.Nearby(data),
            "place" => ApiScenarios.PlaceFeed(data),
            "accounts" => ApiScenarios.AccountHistory(data, options.Users),
            "health" => ApiScenarios.HealthLive(),
            _ => throw new ArgumentException($"unknown --scenario {options.Scenario} (checkins, home, global, place, accounts, nearby, health)"),
        };
        var result = await new FixedRateRunner(new RawHttpTarget(new Uri(options.BaseUrl)), new RunnerOptions { MaxConnections = options.MaxConnections })
            .RunAsync(scenario, options.LoadRate, options.LoadDuration, stop: ct);
        Console.WriteLine(result.Summary);
        return 0;
    }
}
