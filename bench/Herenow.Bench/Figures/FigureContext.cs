using Herenow.Bench.Reporting;
using Herenow.Bench.Runner;
using Herenow.Bench.Scenarios;

namespace Herenow.Bench.Figures;

/// <summary>What every figure needs: the API client, the cluster, seeded data, the runner, and shared baselines.</summary>
public sealed class FigureContext(BenchOptions options, HttpClient http, IClusterClient cluster, BenchData data, double timeOffset)
{
    private readonly Dictionary<double, SearchResult> baselines = [];

    public BenchOptions Options { get; } = options;
    public HttpClient Http { get; } = http;
    public IClusterClient Cluster { get; } = cluster;
    public BenchData Data { get; } = data;
    public FixedRateRunner Runner { get; } = new(http);
    public List<TimelinePoint> Timeline { get; } = [];

    /// <summary>The check-in rate figure 1 found (figure 3 loads the cluster with 70% of it).</summary>
    public double? CheckinRate { get; set; }

    /// <summary>Seconds on the report's time axis (continuing an appended report).</summary>
    public double Now => BenchClock.SecondsSinceSessionStart(BenchClock.Now) + timeOffset;

    public string Suffix => Options.Variant is null ? "" : " @ " + Options.Variant;

    /// <summary>A fixed-rate run, its per-second points kept for the chart.</summary>
    public async Task<RunResult> RunAsync(Scenario scenario, double rate, TimeSpan duration, CancellationToken stop = default)
    {
        var result = await Runner.RunAsync(scenario, rate, duration, stop);
        Keep(result);
        return result;
    }

    public void Keep(RunResult result)
    {
        lock (Timeline)
        {
            Timeline.AddRange(result.Timeline.Select(p => p with { TimeS = p.TimeS + timeOffset }));
        }
    }

    public SearchOptions Search(double startRate, double p99Ms) =>
        new(startRate, Options.StepFactor, Options.StepDuration, p99Ms);

    public async Task<SearchResult> SearchAsync(Scenario scenario, SearchOptions search)
    {
        Console.WriteLine(FormattableString.Invariant($"search: {scenario.Name}, p99 < {search.P99ThresholdMs} ms, from {search.StartRate}/s ×{search.Factor}, {search.StepDuration.TotalSeconds} s steps"));
        // Warm-up, not recorded: the first requests pay for JIT, connection set-up and grain activation.
        await Runner.RunAsync(scenario, search.StartRate, TimeSpan.FromSeconds(Math.Min(3, search.StepDuration.TotalSeconds)));
        var result = await RateSearch.RunAsync(search, rate => RunAsync(scenario, rate, search.StepDuration),
            (step, pass) => Console.WriteLine($"  {step.Summary}  {(pass ? "pass" : "FAIL")}"));
        Console.WriteLine($"  -> {(result.Found is { } f ? FormattableString.Invariant($"{f.TargetRate:F0}/s") : "no passing step")} ({result.StopReason})");
        return result;
    }

    /// <summary>The baseline for a threshold: the same search on GET /health/live, run once per threshold per invocation.</summary>
    public async Task<SearchResult> BaselineAsync(double p99Ms)
    {
        if (!baselines.TryGetValue(p99Ms, out var result))
        {
            result = await SearchAsync(ApiScenarios.HealthLive(), Search(Options.Quick ? 200 : 500, p99Ms));
            baselines[p99Ms] = result;
        }
        return result;
    }

    /// <summary>Absolute and baseline metrics of a search: the found rate, and p50/p99 at that rate.</summary>
    public static List<Metric> SearchMetrics(SearchResult found, SearchResult baseline, string threshold)
    {
        var f = found.Found;
        var b = baseline.Found;
        var what = "/health/live";
        return
        [
            new($"highest rate with p99 < {threshold}" + (f is null ? $" (none passed, down to {found.Steps[^1].TargetRate:F0}/s)" : ""),
                f?.TargetRate ?? 0, "/s", b?.TargetRate, what),
            new("p50 at that rate", f?.P50Ms ?? 0, "ms", b?.P50Ms, what + " at its rate"),
            new("p99 at that rate", f?.P99Ms ?? 0, "ms", b?.P99Ms, what + " at its rate"),
        ];
    }

    public static List<StepSummary> Steps(params SearchResult[] searches) =>
        [.. searches.SelectMany(s => s.Steps).Select(StepSummary.From)];
}
