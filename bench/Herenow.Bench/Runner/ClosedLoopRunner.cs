using Herenow.Bench.Scenarios;

namespace Herenow.Bench.Runner;

/// <summary>
/// Closed-loop load: <c>workers</c> virtual users, each on its own keep-alive connection, sending its next request
/// as soon as the previous one is answered. It finds maximum throughput, but its latencies are measured from the
/// actual send and so hide queueing (coordinated omission); report its latencies only next to that caveat, and use
/// <see cref="FixedRateRunner"/> for latency figures.
/// </summary>
public sealed class ClosedLoopRunner(ILoadTarget target, RunnerOptions? options = null)
{
    private readonly RunnerOptions options = options ?? new RunnerOptions();

    public async Task<RunResult> RunAsync(Func<long, Scenario> pick, string name, int workers, TimeSpan duration, CancellationToken stop = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        var recorder = new LatencyRecorder(name);
        var start = BenchClock.Now;
        var end = start + BenchClock.TicksFromSeconds(duration.TotalSeconds);
        long sequence = -1;
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(async () =>
        {
            ILoadConnection? connection = null;
            try
            {
                while (!stop.IsCancellationRequested && BenchClock.Now < end)
                {
                    var n = Interlocked.Increment(ref sequence);
                    var scenario = pick(n);
                    using var timeout = new CancellationTokenSource(options.RequestTimeout);
                    var now = BenchClock.Now;
                    connection = await Exchange.SendAsync(target, connection, scenario.Build(n).Encode(target.Host), scenario, now, recorder, timeout.Token);
                }
            }
            finally
            {
                connection?.Dispose();
            }
        }, CancellationToken.None)));
        return recorder.ToResult("closed-loop", null, BenchClock.ToMilliseconds(BenchClock.Now - start) / 1000, workers);
    }
}
