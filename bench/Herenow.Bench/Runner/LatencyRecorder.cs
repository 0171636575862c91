using HdrHistogram;

namespace Herenow.Bench.Runner;

/// <summary>
/// Thread-safe recording of one run: an HdrHistogram of all latencies (microseconds, 3 significant digits, up to
/// 5 minutes) and one small histogram per second of completion for the chart. A lock rather than a concurrent
/// histogram: contention is negligible at the rates two cores can drive, and the code stays obvious.
/// </summary>
public sealed class LatencyRecorder(string name)
{
    private const long MaxMicros = 300_000_000;
    private readonly object gate = new();
    private readonly LongHistogram all = new(MaxMicros, 3);
    private readonly SortedDictionary<long, (LongHistogram Histogram, long Errors)> seconds = [];
    private readonly Dictionary<string, long> statuses = [];
    private long requests;
    private long errors;
    private long firstTimestamp = long.MaxValue;
    private long lastTimestamp = long.MinValue;

    /// <param name="status">The HTTP status, or a word for a failure without one ("timeout", "transport", "dropped").</param>
    public void Record(long sentOrIntendedTimestamp, long completedTimestamp, bool ok, string status)
    {
        var micros = Math.Clamp((long)(BenchClock.ToMilliseconds(completedTimestamp - sentOrIntendedTimestamp) * 1000), 0, MaxMicros);
        var second = (long)Math.Floor(BenchClock.SecondsSinceSessionStart(completedTimestamp));
        lock (gate)
        {
            requests++;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            firstTimestamp = Math.Min(firstTimestamp, sentOrIntendedTimestamp);
            lastTimestamp = Math.Max(lastTimestamp, completedTimestamp);
            if (!seconds.TryGetValue(second, out var bucket))
            {
                bucket = (new LongHistogram(MaxMicros, 2), 0);
            }
            if (ok)
            {
                // Failed requests count against the error rate, not in the latency percentiles.
                all.RecordValue(micros);
                bucket.Histogram.RecordValue(micros);
            }
            else
            {
                errors++;
                bucket.Errors++;
            }
            seconds[second] = bucket;
        }
    }

    /// <summary>A send that never happened because the in-flight cap was reached: an error, no latency.</summary>
    public void RecordDropped(long intendedTimestamp) => Record(intendedTimestamp, intendedTimestamp, ok: false, "dropped");

    public RunResult ToResult(string mode, double? targetRate, double? durationS = null)
    {
        lock (gate)
        {
            var span = durationS ?? (requests == 0 ? 0 : BenchClock.ToMilliseconds(lastTimestamp - firstTimestamp) / 1000);
            var ok = requests - errors;
            var timeline = seconds.Select(s => new TimelinePoint(
                s.Key, name, s.Value.Histogram.TotalCount + s.Value.Errors, s.Value.Errors,
                Ms(s.Value.Histogram, 50), Ms(s.Value.Histogram, 90), Ms(s.Value.Histogram, 99), MaxMs(s.Value.Histogram))).ToList();
            return new RunResult(name, mode, targetRate, span, requests, errors, span > 0 ? ok / span : 0,
                Ms(all, 50), Ms(all, 90), Ms(all, 99), Ms(all, 99.9), MaxMs(all),
                new Dictionary<string, long>(statuses), timeline);
        }
    }

    private static double Ms(HistogramBase histogram, double percentile) =>
        histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(percentile) / 1000.0;

    private static double MaxMs(HistogramBase histogram) => histogram.TotalCount == 0 ? 0 : histogram.GetMaxValue() / 1000.0;
}
