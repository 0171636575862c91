namespace Herenow.Bench.Runner;

/// <summary>
/// The intended send times of a fixed-rate (open-loop) run: request i is due at start + i / rate, whatever
/// happened to the requests before it. Latency is measured from this intended time, not from when the request
/// actually left, so a stalled server (or a stalled harness) shows up as latency instead of silently lowering the
/// offered load — the "coordinated omission" a closed loop suffers from.
/// </summary>
public readonly record struct OpenLoopSchedule(long StartTimestamp, double RatePerSecond, long TotalRequests)
{
    public long IntendedTimestamp(long sequence) => StartTimestamp + BenchClock.TicksFromSeconds(sequence / RatePerSecond);

    /// <summary>How many requests are due (intended time reached) at <paramref name="now"/>, capped at the total.</summary>
    public long DueBy(long now)
    {
        if (now < StartTimestamp) return 0;
        var elapsed = (now - StartTimestamp) / (double)System.Diagnostics.Stopwatch.Frequency;
        return Math.Min(TotalRequests, (long)Math.Floor(elapsed * RatePerSecond) + 1);
    }

    /// <summary>Latency counted from the intended send time (never negative: a request cannot finish before it is due).</summary>
    public static long LatencyTicks(long intendedTimestamp, long completedTimestamp) =>
        Math.Max(0, completedTimestamp - intendedTimestamp);
}
