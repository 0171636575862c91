using System.Diagnostics;

namespace Herenow.Bench.Runner;

/// <summary>
/// One monotonic time base for a whole harness session, so that per-second points of consecutive runs line up on
/// one time axis in the chart. Stopwatch ticks, never wall-clock time (which can jump).
/// </summary>
public static class BenchClock
{
    public static readonly long SessionStart = Stopwatch.GetTimestamp();

    public static long Now => Stopwatch.GetTimestamp();

    public static double SecondsSinceSessionStart(long timestamp) =>
        (timestamp - SessionStart) / (double)Stopwatch.Frequency;

    public static long TicksFromSeconds(double seconds) => (long)(seconds * Stopwatch.Frequency);

    public static double ToMilliseconds(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
}
