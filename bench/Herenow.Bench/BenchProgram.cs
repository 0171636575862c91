using System.Globalization;
using Herenow.Bench.Counters;
using Herenow.Bench.Figures;
using Herenow.Bench.Reporting;
using Herenow.Bench.Scenarios;
using Herenow.Bench.Seeding;

namespace Herenow.Bench;

/// <summary>
/// <c>seed</c>: accounts, the follow graph and check-ins, through grain calls. <c>run</c>: the selected figures,
/// written to --out (appended to an existing results.json with --append). <c>render</c>: results.md and chart.png
/// again from results.json. bench/run.sh drives these three. <c>load</c>: one fixed-rate scenario, for bench/profile.sh.
/// </summary>
public static class BenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        if (args is [NearbyMicroCommand.Verb, .. var rest]) return await NearbyMicroCommand.RunAsync(rest, CancellationToken.None);
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            await Console.Error.WriteLineAsync($"error: {e.Message}");
            return 2;
        }
        using var cancel = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
        try
        {
            return options.Verb switch
            {
                "seed" => await SeedAsync(options, cancel.Token),
                "run" => await RunAsync(options, cancel.Token),
                "render" => await RenderAsync(options),
                "load" => await LoadCommand.RunAsync(options, Postgres(options), cancel.Token),
                _ => throw new ArgumentException($"unknown verb {options.Verb} (seed, run, render, load)"),
            };
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("cancelled");
            return 130;
        }
    }

    /// <summary>The harness's HTTP client: loopback only, no client-side timeout (the runners time requests out themselves).</summary>
    public static HttpClient NewHttpClient(string baseUrl)
    {
        var uri = new Uri(baseUrl);
        if (!uri.IsLoopback) throw new ArgumentException($"--base-url must be a loopback address, not {baseUrl}");
        var handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10), MaxConnectionsPerServer = 1024 };
        return new HttpClient(handler) { BaseAddress = uri, Timeout = Timeout.InfiniteTimeSpan };
    }

    private static string Postgres(BenchOptions options) =>
        options.Postgres ?? throw new ArgumentException("set --postgres or HERENOW_POSTGRES");

    private static async Task<int> SeedAsync(BenchOptions options, CancellationToken ct)
    {
        var places = await PlaceCatalog.LoadAsync(Postgres(options), ct);
        Console.WriteLine(FormattableString.Invariant($"seed (format {SeedPlan.Format}): {places.Places.Count:N0} places; {options.Users:N0} users, Zipf follow graph with {options.FollowsPerUser} follows each on average (at most {options.MaxFollows}), celebrities {string.Join(", ", options.Celebrities)}, {options.SeedCheckins:N0} check-ins by Zipf posters"));
        await using var cluster = await ClusterConnection.ConnectAsync(Postgres(options), options.ClusterId, ct);
        using var http = NewHttpClient(options.BaseUrl);
        var plan = new SeedPlan(options.Users, options.FollowsPerUser, options.MaxFollows, options.Celebrities);
        await new Seeder(cluster.Client, options).SeedAsync(plan, places, http, ct);
        return 0;
    }

    private static async Task<int> RunAsync(BenchOptions options, CancellationToken ct)
    {
        var figures = new IFigure[]
        {
            // Memory last: activating 100k users must not weigh on the other figures (bench/run.sh also restarts the
            // service for it, so it sees a silo in which the users are not active yet). The read figures and the fan-out
            // before the global one: its 500/s of background check-ins can leave more work queued than the drain after
            // it waits for (on the code before issue 18, ten times the check-in capacity), and the reads and the
            // unloaded fan-out must not measure that.
            SearchFigure.Health(), SearchFigure.Checkins(), SearchFigure.Home(), SearchFigure.Place(), SearchFigure.Accounts(),
            SearchFigure.Nearby(), new FanoutFigure(), new GlobalUnderWriteLoadFigure(), new MixFigure(), new HistoryFigure(), new MemoryFigure(),
        }.Where(f => options.Only.Contains(f.Id)).ToList();
        var jsonPath = Path.Combine(options.OutDir, "results.json");
        var report = (options.Append ? await JsonReport.ReadAsync(jsonPath) : null) ?? NewReport(options);

        var places = await PlaceCatalog.LoadAsync(Postgres(options), ct);
        await using var cluster = await ClusterConnection.ConnectAsync(Postgres(options), options.ClusterId, ct);
        using var http = NewHttpClient(options.BaseUrl);
        var pool = SeedPlan.SessionPool(options.Users, options.SessionPool);
        var sessions = await SessionMinter.MintAsync(cluster.Client, pool, options.SeedParallelism, ct);
        await using var probe = await CostProbe.StartAsync(options.Postgres, options.RunDir, options.AdminPortBase, options.GrainCallMetric, ct);
        Console.WriteLine($"counters: {probe.Describe}");
        report.Settings["counters"] = probe.Describe;
        await using var gc = options.GcPauses ? GcPauseMonitor.Start(options.RunDir) : null;
        if (gc is not null)
        {
            Console.WriteLine($"gc: {gc.Describe}");
            report.Settings["GC pauses" + (options.Variant is null ? "" : " @ " + options.Variant) + $" ({string.Join(",", figures.Select(f => f.Id))})"] = gc.Describe;
        }
        var data = new BenchData(places, sessions, new PosterDistribution(options.Users));
        var context = new FigureContext(options, http, cluster.Client, data, report.TimeOffset, probe);

        foreach (var figure in figures)
        {
            ct.ThrowIfCancellationRequested();
            Console.WriteLine($"== {figure.Id}{context.Suffix}");
            var fromUtc = DateTime.UtcNow;
            var result = await figure.RunAsync(context, ct);
            if (gc is { Any: true })
            {
                var pauses = await gc.WindowAsync(fromUtc, DateTime.UtcNow, ct);
                result = result with { Metrics = [.. result.Metrics, .. GcSummary.Metrics(pauses)] };
                Console.WriteLine("  gc: " + string.Join(", ", pauses.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p =>
                    FormattableString.Invariant($"{p.Key} longest {p.Value.LongestMs:F1} ms ({p.Value.Count} pauses, {p.Value.TotalMs:F0} ms)"))));
            }
            report.Figures.RemoveAll(f => f.Id == result.Id);
            report.Figures.Add(result);
            // Written after every figure, so an interrupted run still leaves what it measured.
            report.Timeline.AddRange(context.Timeline);
            context.Timeline.Clear();
            await ReportWriter.WriteAsync(report, options.OutDir);
        }
        await ReportWriter.WriteAsync(report, options.OutDir);
        Console.WriteLine($"results: {Path.GetFullPath(options.OutDir)}");
        return 0;
    }

    private static BenchReport NewReport(BenchOptions options) => new()
    {
        Commit = options.Commit,
        Profile = options.Profile,
        Settings = new()
        {
            ["seed"] = FormattableString.Invariant($"format {SeedPlan.Format}: {options.Users:N0} users, Zipf follow graph (mean {options.FollowsPerUser} follows, at most {options.MaxFollows}; followees by Zipf popularity), celebrities with {string.Join(" / ", options.Celebrities)} followers, {options.SeedCheckins:N0} seeded check-ins by Zipf-active authors"),
            ["steps"] = FormattableString.Invariant($"{options.StepDuration.TotalSeconds} s, ×{options.StepFactor}; write p99 < {options.WriteP99Ms} ms, read p99 < {options.ReadP99Ms} ms"),
            ["sessions"] = options.SessionPool.ToString(CultureInfo.InvariantCulture) + " seeded users with bearer tokens",
            ["generator"] = FormattableString.Invariant($"open loop, HTTP/1.1 keep-alive over raw sockets, up to {options.MaxConnections} connections, latency from each request's scheduled send time; counted steps: a quiet 1 s window before (background, subtracted), counters read again once the service is as quiet again (at most {options.QuietMaxSeconds} s)"),
        },
    };

    private static async Task<int> RenderAsync(BenchOptions options)
    {
        var report = await JsonReport.ReadAsync(Path.Combine(options.OutDir, "results.json"))
            ?? throw new ArgumentException($"no results.json in {options.OutDir}");
        await ReportWriter.WriteAsync(report, options.OutDir);
        return 0;
    }
}
