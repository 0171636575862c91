using System.Diagnostics;
using Herenow.Bench.Runner;
using Herenow.Bench.Scenarios;

namespace Herenow.Tests.Bench;

/// <summary>
/// The fixed-rate runner must not suffer coordinated omission: requests are released on schedule whatever the server
/// does, and latency counts from each request's scheduled send time. The runner is driven here through fake
/// connections (no network), whose delays make the expected latencies follow from the schedule alone: the bounds
/// asserted are lower bounds implied by the schedule and the fakes' minimum delays, not by how fast this machine is.
/// </summary>
public sealed class OpenLoopSchedulingTests
{
    private static readonly Scenario Get = Scenario.Constant("GET /", new BenchRequest("GET", "/"));

    [Fact]
    public void Intended_send_times_follow_the_rate_from_the_start()
    {
        var start = 1_000_000L;
        var schedule = new OpenLoopSchedule(start, RatePerSecond: 4, TotalRequests: 10);

        Assert.Equal(start, schedule.IntendedTimestamp(0));
        Assert.Equal(start + Stopwatch.Frequency / 4 * 3, schedule.IntendedTimestamp(3));
        Assert.Equal(0, schedule.DueBy(start - 1));
        Assert.Equal(1, schedule.DueBy(start));
        Assert.Equal(3, schedule.DueBy(start + Stopwatch.Frequency / 2));   // 0, 0.25 s and 0.5 s are due
        Assert.Equal(10, schedule.DueBy(start + Stopwatch.Frequency * 60)); // never more than the total
    }

    [Fact]
    public void Latency_counts_from_the_intended_time_not_the_actual_send()
    {
        // Scheduled at t=0, actually sent 300 ms late, answered 10 ms after sending: 310 ms, not 10 ms.
        var recorder = new LatencyRecorder("x");
        recorder.Record(since: 0, sent: BenchClock.TicksFromSeconds(0.300), BenchClock.TicksFromSeconds(0.310), ok: true, "200");
        var result = recorder.ToResult("fixed-rate", 1);

        Assert.InRange(result.P50Ms, 309, 311);
        Assert.InRange(result.SendLagP50Ms, 295, 305);
        Assert.Equal(310, BenchClock.ToMilliseconds(OpenLoopSchedule.LatencyTicks(0, BenchClock.TicksFromSeconds(0.310))), precision: 3);
    }

    [Fact]
    public async Task Requests_waiting_for_a_busy_connection_are_charged_the_wait()
    {
        // One connection, every answer takes 100 ms: 10 requests scheduled over 0..450 ms cannot all be answered
        // before 1000 ms, so the last one's latency, from its scheduled 450 ms, is at least 550 ms, though each
        // exchange itself takes 100 ms. A generator measuring from the actual send would report about 100 ms.
        var target = new FakeTarget(ct => Task.Delay(100, ct));
        var result = await new FixedRateRunner(target, new RunnerOptions { MaxConnections = 1 })
            .RunAsync(Get, rate: 20, TimeSpan.FromSeconds(0.5));

        Assert.Equal(10, result.Requests);
        Assert.Equal(0, result.Errors);
        Assert.Equal(1, target.Opened);
        Assert.True(result.MaxMs >= 540, $"max {result.MaxMs} ms should include the wait for the connection");
        Assert.True(result.SendLagP99Ms >= 400, $"send lag p99 {result.SendLagP99Ms} ms should show the late sends");
    }

    [Fact]
    public async Task Requests_go_out_on_schedule_while_earlier_ones_are_unanswered()
    {
        // The first request is answered only after all ten have arrived: an open loop gets there (it opens more
        // connections while one is busy), a closed loop (waiting for each answer) would not. The first one's
        // latency then spans at least the schedule's 450 ms.
        var allArrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var arrived = 0;
        var firstSawAll = false;
        var target = new FakeTarget(async ct =>
        {
            var n = Interlocked.Increment(ref arrived);
            if (n == 10) allArrived.TrySetResult();
            if (n == 1)
            {
                // Bounded: if the runner waited for this answer, the test fails after 10 s instead of hanging.
                firstSawAll = await Task.WhenAny(allArrived.Task, Task.Delay(TimeSpan.FromSeconds(10), ct)) == allArrived.Task;
            }
        });
        var result = await new FixedRateRunner(target, new RunnerOptions { RequestTimeout = TimeSpan.FromSeconds(20) })
            .RunAsync(Get, rate: 20, TimeSpan.FromSeconds(0.5));

        Assert.True(firstSawAll);
        Assert.Equal(10, result.Requests);
        Assert.Equal(0, result.Errors);
        Assert.True(result.MaxMs >= 440, $"max {result.MaxMs} ms should span the schedule");
        Assert.True(target.Opened >= 2, "a second connection must have been opened while the first was busy");
    }

    [Fact]
    public async Task A_server_that_never_answers_costs_errors_not_time()
    {
        // One connection, no answer ever: the first request times out after 200 ms; everything queued behind it for
        // longer than the timeout is not sent at all ("expired"). The run still accounts for every scheduled request
        // and ends about one timeout after its schedule, not after 40 × 200 ms.
        var target = new FakeTarget(ct => Task.Delay(Timeout.Infinite, ct));
        var clock = Stopwatch.StartNew();
        var result = await new FixedRateRunner(target, new RunnerOptions { MaxConnections = 1, RequestTimeout = TimeSpan.FromMilliseconds(200) })
            .RunAsync(Get, rate: 40, TimeSpan.FromSeconds(1));

        Assert.Equal(40, result.Requests);
        Assert.Equal(40, result.Errors);
        Assert.True(result.Statuses.GetValueOrDefault("timeout") >= 1);
        Assert.True(result.Statuses.GetValueOrDefault("expired") >= 1);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Connections_grow_only_up_to_the_cap()
    {
        var target = new FakeTarget(ct => Task.Delay(200, ct));
        var result = await new FixedRateRunner(target, new RunnerOptions { MaxConnections = 5 })
            .RunAsync(Get, rate: 100, TimeSpan.FromSeconds(0.5));

        Assert.Equal(50, result.Requests);
        Assert.Equal(0, result.Errors);
        Assert.InRange(target.Opened, 2, 5);
        Assert.Equal(target.Opened, result.Connections);
    }

    [Fact]
    public async Task The_closed_loop_measures_from_the_actual_send()
    {
        // The contrast to the open loop: one virtual user, 100 ms answers: every latency is about 100 ms, however
        // long the run — queueing is invisible to a closed loop (that is why it is never used for latency figures).
        var target = new FakeTarget(ct => Task.Delay(100, ct));
        var result = await new ClosedLoopRunner(target).RunAsync(_ => Get, "closed", workers: 1, TimeSpan.FromSeconds(0.5));

        // At most one answer per 100 ms (a closed loop never queues); at least one even on a host too busy to wake the
        // worker on time — the lower bound is not what this test is about.
        Assert.InRange(result.Requests, 1, 6);
        Assert.True(result.MaxMs < 400, $"max {result.MaxMs} ms");
    }

    /// <summary>Connections whose exchange runs <paramref name="answer"/> and then answers 200.</summary>
    private sealed class FakeTarget(Func<CancellationToken, Task> answer) : ILoadTarget
    {
        private int opened;

        public int Opened => Volatile.Read(ref opened);

        public string Host => "fake";

        public ValueTask<ILoadConnection> ConnectAsync(CancellationToken ct)
        {
            Interlocked.Increment(ref opened);
            return ValueTask.FromResult<ILoadConnection>(new Connection(answer));
        }

        private sealed class Connection(Func<CancellationToken, Task> answer) : ILoadConnection
        {
            public async ValueTask<int> ExchangeAsync(ReadOnlyMemory<byte> request, CancellationToken ct)
            {
                await answer(ct);
                return 200;
            }

            public void Dispose()
            {
            }
        }
    }
}
