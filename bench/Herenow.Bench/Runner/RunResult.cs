namespace Herenow.Bench.Runner;

/// <summary>
/// The outcome of one run (one step of a rate search, or one closed-loop run). Latencies in milliseconds;
/// <see cref="TargetRate"/> is null for closed-loop runs. Errors include non-success statuses, transport
/// failures, timeouts and sends dropped at the in-flight cap.
/// </summary>
public sealed record RunResult(
    string Name,
    string Mode,
    double? TargetRate,
    double DurationS,
    long Requests,
    long Errors,
    double AchievedRate,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double P999Ms,
    double MaxMs,
    IReadOnlyDictionary<string, long> Statuses,
    IReadOnlyList<TimelinePoint> Timeline)
{
    public double ErrorRate => Requests == 0 ? 0 : (double)Errors / Requests;

    /// <summary>The generator's own lateness: actual send − scheduled send (p50/p99). Already part of the latencies.</summary>
    public double SendLagP50Ms { get; init; }

    public double SendLagP99Ms { get; init; }

    /// <summary>Keep-alive connections the run used (the open-loop client opens more when all are busy).</summary>
    public int Connections { get; init; }

    /// <summary>Per-request costs measured around this run (null when not counted).</summary>
    public Counters.CostPerRequest? Cost { get; init; }

    public string Summary =>
        FormattableString.Invariant(
            $"{Name,-22} {(TargetRate is { } r ? $"{r,8:F0}/s" : "  closed  ")} -> {AchievedRate,8:F0}/s  p50 {P50Ms,7:F2} ms  p99 {P99Ms,8:F2} ms  max {MaxMs,8:F1} ms  errors {ErrorRate:P2}  lag p99 {SendLagP99Ms:F2} ms  conns {Connections}");
}
