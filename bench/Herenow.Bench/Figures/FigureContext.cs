using Herenow.Bench.Counters;
using Herenow.Bench.Reporting;
using Herenow.Bench.Runner;
using Herenow.Bench.Scenarios;

namespace Herenow.Bench.Figures;

/// <summary>What every figure needs: the API client, the cluster, seeded data, the runner, and shared baselines.</summary>
public sealed class FigureContext(BenchOptions options, HttpClient http, IClusterClient cluster, BenchData data, double timeOffset,
    CostProbe? probe = null)
{
    private readonly Dictionary<double, SearchResult> baselines = [];

    public BenchOptions Options { get; } = options;
    public HttpClient Http { get; } = http;
    public IClusterClient Cluster { get; } = cluster;
    public BenchData Data { get; } = data;
    public ILoadTarget Target { get; } = new RawHttpTarget(new Uri(options.BaseUrl));
    public FixedRateRunner Runner => new(Target, new RunnerOptions { MaxConnections = Options.MaxConnections });
    public CostProbe? Probe { get; } = probe;
    public List<TimelinePoint> Timeline { get; } = [];

    /// <summary>The check-in rate figure 1 found (figure 3 loads the cluster with 70% of it).</summary>
    public double? CheckinRate { get; set; }

    /// <summary>Seconds on the report's time axis (continuing an appended report).</summary>
    public double Now => BenchClock.SecondsSinceSessionStart(BenchClock.Now) + timeOffset;

    public string Suffix => Options.Variant is null ? "" : " @ " + Options.Variant;

    /// <summary>A fixed-rate run, its per-second points kept for the chart.</summary>
    public async Task<RunResult> RunAsync(Scenario scenario, double rate, TimeSpan duration, LatencyRecorder? recorder = null,
        CancellationToken stop = default)
    {
        var result = await Runner.RunAsync(scenario, rate, duration, recorder, stop);
        // A pooled recorder's result holds every run so far: its caller keeps the last one.
        if (recorder is null) Keep(result);
        return result;
    }

    /// <summary>
    /// A fixed-rate run with its per-request costs: a quiet one-second window before it (its rates are the idle
    /// service's background), the run, then one-second windows until the service is as quiet as before (bounded), so
    /// the work requests leave behind (fan-out, statistics PostgreSQL publishes up to a second late) is charged to
    /// them; the background rate times the measured span is subtracted.
    /// </summary>
    public async Task<RunResult> CountedRunAsync(Scenario scenario, double rate, TimeSpan duration, LatencyRecorder? recorder = null,
        CancellationToken ct = default)
    {
        if (Probe is null) return await RunAsync(scenario, rate, duration, recorder, ct);
        // A quiet one-second window first (work left over from earlier steps drained): its rates are the idle
        // service's background, subtracted from the step (CostPerRequest.From).
        var (idle, before) = await QuietWindowAsync(null, ct);
        // A recorder pooling several runs already holds earlier ones: charge this run's answers only.
        var okBefore = recorder?.Successes ?? 0;
        var result = await Runner.RunAsync(scenario, rate, duration, recorder, ct);
        // Then until the service is quiet again, so the work a request leaves behind (fan-out) is charged to it.
        await Task.Delay(TimeSpan.FromSeconds(Options.SettleSeconds), ct);
        var (_, after) = await QuietWindowAsync(idle.Commits is { } c0 && before.Commits is { } c1 ? c1 - c0 : null, ct);
        result = result with { Cost = CostPerRequest.From(idle, before, after, after, result.Requests - result.Errors - okBefore) };
        if (recorder is null) Keep(result);
        return result;
    }

    /// <summary>
    /// One-second windows until one has at most <see cref="BenchOptions.QuietCommits"/> commits (or, after a step, no
    /// more than the idle window before it had, plus 20%), at most <see cref="BenchOptions.QuietMaxSeconds"/>.
    /// </summary>
    private async Task<(CostSnapshot Start, CostSnapshot End)> QuietWindowAsync(long? idleCommits, CancellationToken ct)
    {
        var start = await Probe!.TakeAsync(ct);
        var deadline = BenchClock.Now + BenchClock.TicksFromSeconds(Options.QuietMaxSeconds);
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var end = await Probe.TakeAsync(ct);
            var commits = end.Commits - start.Commits;
            var limit = Math.Max(Options.QuietCommits, (idleCommits ?? 0) * 1.2);
            if (commits is null || commits <= limit || BenchClock.Now > deadline)
            {
                if (commits > limit) Console.WriteLine(FormattableString.Invariant($"      (not quiet after {Options.QuietMaxSeconds} s: {commits} commits/s)"));
                return (start, end);
            }
            start = end;
        }
    }

    /// <summary>
    /// After a load the service could not keep up with (background check-ins beyond its capacity leave fan-outs and
    /// retries queued): one-second windows until one has at most <see cref="BenchOptions.QuietCommits"/> commits and
    /// the silos used at most <see cref="BenchOptions.QuietSiloCores"/> of a core, at most
    /// <see cref="BenchOptions.DrainMaxSeconds"/>, so the next figure does not measure this one's backlog.
    /// Returns the seconds it took (null without a database connection) and whether it got quiet.
    /// </summary>
    public async Task<(double? Seconds, bool Quiet)> DrainAsync(string what, CancellationToken ct)
    {
        if (Probe is null) return (null, false);
        var started = BenchClock.Now;
        var deadline = started + BenchClock.TicksFromSeconds(Options.DrainMaxSeconds);
        var last = await Probe.TakeAsync(ct);
        var lastPrint = started;
        while (true)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), ct);
            var now = await Probe.TakeAsync(ct);
            var commits = now.Commits - last.Commits;
            var windowS = BenchClock.ToMilliseconds(now.Timestamp - last.Timestamp) / 1000;
            var siloCores = now.CpuMs.TryGetValue("silo", out var s1) && last.CpuMs.TryGetValue("silo", out var s0) && windowS > 0
                ? (s1 - s0) / 1000 / windowS
                : 0;
            last = now;
            var seconds = BenchClock.ToMilliseconds(BenchClock.Now - started) / 1000;
            if (siloCores < 0)
            {
                // CPU time only grows: a silo that exited reads as 0, which would look like quiet.
                Console.WriteLine(FormattableString.Invariant($"  {what}: the silos' CPU time went backwards after {seconds:F0} s: a silo exited? Not waiting further"));
                return (seconds, false);
            }
            // Work left in memory (a fan-out queue) shows in the silos' CPU before it shows in commits.
            if ((commits is null || commits <= Options.QuietCommits) && siloCores <= Options.QuietSiloCores)
            {
                Console.WriteLine(FormattableString.Invariant($"  {what}: quiet after {seconds:F0} s"));
                return (seconds, true);
            }
            if (BenchClock.Now > deadline)
            {
                Console.WriteLine(FormattableString.Invariant($"  {what}: still {commits} commits/s, silos {siloCores:F2} cores after {seconds:F0} s (--drain-max-seconds); going on"));
                return (seconds, false);
            }
            if (BenchClock.ToMilliseconds(BenchClock.Now - lastPrint) >= 10_000)
            {
                Console.WriteLine(FormattableString.Invariant($"  {what}: {commits} commits/s, silos {siloCores:F2} cores after {seconds:F0} s"));
                lastPrint = BenchClock.Now;
            }
        }
    }

    /// <summary>The drain as a metric: how long the service needed to finish the work a load left behind.</summary>
    public static Metric DrainMetric(string what, (double? Seconds, bool Quiet) drain, double maxSeconds) =>
        new(drain.Quiet ? $"{what}: left-over work done after (s)" : FormattableString.Invariant($"{what}: left-over work still running after (s; gave up at --drain-max-seconds {maxSeconds:F0})"),
            drain.Seconds ?? 0, "s");

    public void Keep(RunResult result)
    {
        lock (Timeline)
        {
            Timeline.AddRange(result.Timeline.Select(p => p with { TimeS = p.TimeS + timeOffset }));
        }
    }

    public SearchOptions Search(double startRate, double p99Ms) =>
        new(startRate, Options.StepFactor, Options.StepDuration, p99Ms);

    /// <param name="warmRequests">Requests of the warm-up at least (at 200/s or the start rate, whichever is higher).</param>
    public async Task<SearchResult> SearchAsync(Scenario scenario, SearchOptions search, bool counted = false, int warmRequests = 0)
    {
        Console.WriteLine(FormattableString.Invariant($"search: {scenario.Name}, p99 < {search.P99ThresholdMs} ms, from {search.StartRate}/s ×{search.Factor}, {search.StepDuration.TotalSeconds} s steps"));
        // Warm-up, not recorded: the first requests pay for JIT, connection set-up and grain activation.
        var warmRate = warmRequests > 0 ? Math.Max(search.StartRate, 200) : search.StartRate;
        var warmSeconds = Math.Max(Math.Min(3, search.StepDuration.TotalSeconds), warmRequests / warmRate);
        await Runner.RunAsync(scenario, warmRate, TimeSpan.FromSeconds(warmSeconds));
        if (counted && Probe is not null) await Task.Delay(TimeSpan.FromSeconds(Options.SettleSeconds));
        var result = await RateSearch.RunAsync(search, rate => counted ? CountedRunAsync(scenario, rate, search.StepDuration) : RunAsync(scenario, rate, search.StepDuration),
            (step, pass) => Console.WriteLine($"  {step.Summary}  {(pass ? "pass" : "FAIL")}{(step.Cost is { } c ? "\n      " + c.Summary : "")}"));
        Console.WriteLine($"  -> {(result.Found is { } f ? FormattableString.Invariant($"{f.TargetRate:F0}/s") : "no passing step")} ({result.StopReason})");
        return result;
    }

    /// <summary>The baseline for a threshold: the same search on GET /health/live, run once per threshold per invocation.</summary>
    public async Task<SearchResult> BaselineAsync(double p99Ms)
    {
        if (!baselines.TryGetValue(p99Ms, out var result))
        {
            result = await SearchAsync(ApiScenarios.HealthLive(), Search(Options.HealthStartRate, p99Ms), counted: true);
            baselines[p99Ms] = result;
        }
        return result;
    }

    /// <summary>
    /// Absolute and baseline metrics of a search: the found rate, p50/p99/max at that rate, and — when the steps were
    /// counted — the per-request costs of the reported step (the last passing one; the last step if none passed).
    /// </summary>
    public static List<Metric> SearchMetrics(SearchResult found, SearchResult baseline, string threshold, string per = "request")
    {
        var f = found.Found;
        var b = baseline.Found;
        var what = "/health/live";
        var metrics = new List<Metric>
        {
            new($"highest rate with p99 < {threshold}" + (f is null ? $" (none passed, down to {found.Steps[^1].TargetRate:F0}/s)" : ""),
                f?.TargetRate ?? 0, "/s", b?.TargetRate, what),
            new("p50 at that rate", f?.P50Ms ?? 0, "ms", b?.P50Ms, what + " at its rate"),
            new("p99 at that rate", f?.P99Ms ?? 0, "ms", b?.P99Ms, what + " at its rate"),
            new("max at that rate", f?.MaxMs ?? 0, "ms", b?.MaxMs, what + " at its rate"),
        };
        metrics.AddRange(CostMetrics(CountedStep(found)?.Cost, CountedStep(baseline)?.Cost, per, label: CountedLabel(found)));
        return metrics;
    }

    /// <summary>
    /// The step whose counters are reported: the reported (last passing) step, unless it answered fewer than 500
    /// requests — then the step with the most successful answers and at most 1% errors (counts per request do not
    /// depend on latency, and few requests leave them at the mercy of background work). The label says which.
    /// </summary>
    public static RunResult? CountedStep(SearchResult search)
    {
        var reported = search.Found ?? search.Steps[^1];
        if (reported.Cost is null || reported.Cost.Requests >= 500) return reported;
        return search.Steps.Where(s => s.Cost is not null && s.ErrorRate <= 0.01).MaxBy(s => s.Cost!.Requests) ?? reported;
    }

    private static string? CountedLabel(SearchResult search) =>
        CountedStep(search) is { Cost: { } cost } step && step != (search.Found ?? search.Steps[^1])
            ? FormattableString.Invariant($"at {step.TargetRate:F0}/s ({cost.Requests:N0} answers; the reported step had too few)")
            : null;

    /// <summary>Per-request counters as metrics, each next to the same counter for /health/live when given.</summary>
    public static IEnumerable<Metric> CostMetrics(CostPerRequest? cost, CostPerRequest? health, string per, string baselineWhat = "/health/live",
        string? label = null)
    {
        if (cost is null) yield break;
        if (label is not null) per += " " + label;
        if (cost.Commits is { } commits) yield return new($"commits per {per}", commits, "commits");
        if (cost.Statements is { } statements) yield return new($"statements per {per} (pg_stat_statements)", statements, "statements");
        if (cost.WalBytes is { } wal) yield return new($"WAL bytes per {per} (pg_stat_wal)", wal, "B");
        if (cost.GrainCalls is { } calls) yield return new($"grain calls per {per} (API + silos, caller side)", calls, "calls");
        if (cost.StorageWrites is { } writes) yield return new($"grain state writes per {per}", writes, "writes");
        foreach (var (process, ms) in cost.CpuMs.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            yield return new($"CPU per {per}: {process}", ms, "ms CPU", health?.CpuMs.GetValueOrDefault(process), baselineWhat);
        }
    }

    public static List<StepSummary> Steps(params SearchResult[] searches) =>
        [.. searches.SelectMany(s => s.Steps).Select(StepSummary.From)];
}
