using Herenow.Bench.Scenarios;

namespace Herenow.Bench.Runner;

/// <summary>
/// Open-loop load: requests are sent on a fixed schedule (<see cref="OpenLoopSchedule"/>) whether or not earlier
/// ones have been answered, and each latency runs from the request's intended send time. If the dispatch loop
/// itself falls behind (a slow send, a GC pause, a busy core), the requests it sends late carry that lateness in
/// their latency too.
/// </summary>
public sealed class FixedRateRunner(HttpMessageInvoker client, RunnerOptions? options = null)
{
    private readonly RunnerOptions options = options ?? new RunnerOptions();

    /// <summary>
    /// Sends <paramref name="rate"/> requests per second for <paramref name="duration"/> (or until
    /// <paramref name="stop"/> is cancelled, for background load), then waits for the ones in flight (bounded by
    /// the request timeout).
    /// </summary>
    public async Task<RunResult> RunAsync(Scenario scenario, double rate, TimeSpan duration, CancellationToken stop = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        var recorder = new LatencyRecorder(scenario.Name);
        var total = Math.Max(1, (long)Math.Round(rate * duration.TotalSeconds));
        var schedule = new OpenLoopSchedule(BenchClock.Now, rate, total);
        var inFlight = 0;
        var tasks = new List<Task>();
        long next = 0;
        while (next < total && !stop.IsCancellationRequested)
        {
            var due = schedule.DueBy(BenchClock.Now);
            for (; next < due; next++)
            {
                var intended = schedule.IntendedTimestamp(next);
                if (Volatile.Read(ref inFlight) >= options.MaxInFlight)
                {
                    recorder.RecordDropped(intended);
                    continue;
                }
                Interlocked.Increment(ref inFlight);
                // Started inline: the synchronous part of a send delays the loop, and that delay is measured.
                tasks.Add(SendAndRelease(next, intended));
            }
            if (next >= total) break;
            var waitMs = BenchClock.ToMilliseconds(schedule.IntendedTimestamp(next) - BenchClock.Now);
            try
            {
                // Task.Delay has about a millisecond of resolution; requests due meanwhile go out together next round.
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Max(1, waitMs)), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await Task.WhenAll(tasks);
        return recorder.ToResult("fixed-rate", rate, BenchClock.ToMilliseconds(BenchClock.Now - schedule.StartTimestamp) / 1000);

        async Task SendAndRelease(long sequence, long intended)
        {
            try
            {
                await RequestSender.SendAsync(client, scenario, sequence, intended, options, recorder);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }
}
