using System.Globalization;
using HdrHistogram;

namespace Herenow.Bench.Runner;

/// <summary>
/// Thread-safe recording of one run: an HdrHistogram of all latencies (microseconds, 3 significant digits, up to
/// 5 minutes), one of the harness's own send lag (actual send − scheduled send: how late the generator was), and one
/// small histogram per second of completion for the chart. A lock rather than a concurrent histogram: one short
/// critical section per request is far below the cost of the request itself.
/// </summary>
public sealed class LatencyRecorder(string name)
{
    private const long MaxMicros = 300_000_000;
    private static readonly string[] StatusNames = [.. Enumerable.Range(0, 600).Select(i => i.ToString(CultureInfo.InvariantCulture))];
    private readonly object gate = new();
    private readonly LongHistogram all = new(MaxMicros, 3);
    private readonly LongHistogram lag = new(MaxMicros, 2);
    private readonly SortedDictionary<long, (LongHistogram Histogram, long Errors)> seconds = [];
    private readonly Dictionary<string, long> statuses = [];
    private long requests;
    private long errors;
    private long firstTimestamp = long.MaxValue;
    private long lastTimestamp = long.MinValue;

    public string Name => name;

    /// <summary>Answers recorded as successes so far.</summary>
    public long Successes
    {
        get
        {
            lock (gate) return requests - errors;
        }
    }

    public static string StatusName(int status) => status is >= 0 and < 600 ? StatusNames[status] : status.ToString(CultureInfo.InvariantCulture);

    /// <param name="since">Where latency counts from: the scheduled send time (open loop) or the actual one (closed loop).</param>
    /// <param name="sent">When the request actually went out (equal to <paramref name="since"/> in a closed loop).</param>
    /// <param name="status">The HTTP status, or a word for a failure without one ("timeout", "transport", "expired").</param>
    public void Record(long since, long sent, long completedTimestamp, bool ok, string status)
    {
        var micros = Micros(completedTimestamp - since);
        var lagMicros = Micros(sent - since);
        var second = (long)Math.Floor(BenchClock.SecondsSinceSessionStart(completedTimestamp));
        lock (gate)
        {
            requests++;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;
            firstTimestamp = Math.Min(firstTimestamp, since);
            lastTimestamp = Math.Max(lastTimestamp, completedTimestamp);
            if (!seconds.TryGetValue(second, out var bucket))
            {
                bucket = (new LongHistogram(MaxMicros, 2), 0);
            }
            lag.RecordValue(lagMicros);
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

    private static long Micros(long ticks) => Math.Clamp((long)(BenchClock.ToMilliseconds(ticks) * 1000), 0, MaxMicros);

    public RunResult ToResult(string mode, double? targetRate, double? durationS = null, int connections = 0)
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
                new Dictionary<string, long>(statuses), timeline)
            {
                SendLagP50Ms = Ms(lag, 50),
                SendLagP99Ms = Ms(lag, 99),
                Connections = connections,
            };
        }
    }

    private static double Ms(HistogramBase histogram, double percentile) =>
        histogram.TotalCount == 0 ? 0 : histogram.GetValueAtPercentile(percentile) / 1000.0;

    private static double MaxMs(HistogramBase histogram) => histogram.TotalCount == 0 ? 0 : histogram.GetMaxValue() / 1000.0;
}
