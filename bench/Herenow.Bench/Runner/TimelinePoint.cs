namespace Herenow.Bench.Runner;

/// <summary>One second of one run: completions in that second and their latency percentiles (milliseconds).</summary>
public sealed record TimelinePoint(
    double TimeS, string Run, long Count, long Errors, double P50Ms, double P90Ms, double P99Ms, double MaxMs);
