using System.Diagnostics;
using System.Net;
using Herenow.Bench.Runner;
using Herenow.Bench.Scenarios;

namespace Herenow.Tests.Bench;

/// <summary>
/// The fixed-rate runner must not suffer coordinated omission: requests go out on schedule whatever the server does,
/// and latency counts from each request's intended send time. The bounds asserted here follow from the schedule and
/// the fake handlers' minimum delays, not from how fast this machine is.
/// </summary>
public sealed class OpenLoopSchedulingTests
{
    private static Scenario Get => new("GET /", _ => new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1/"));

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
        // Intended at t=0, actually sent 300 ms late, answered 10 ms after sending: 310 ms, not 10 ms.
        var intended = 0L;
        var completed = BenchClock.TicksFromSeconds(0.310);
        Assert.Equal(310, BenchClock.ToMilliseconds(OpenLoopSchedule.LatencyTicks(intended, completed)), precision: 3);
    }

    [Fact]
    public async Task A_dispatcher_held_up_by_slow_sends_charges_the_delay_to_latency()
    {
        // Every send blocks its caller for 100 ms: 10 requests meant for 0..450 ms cannot all be sent before
        // 1000 ms, so the last one's latency, from its intended 450 ms, is at least 550 ms, though each request
        // itself "takes" only 100 ms. A runner measuring from the actual send would report about 100 ms.
        using var client = new HttpMessageInvoker(new BlockingHandler(TimeSpan.FromMilliseconds(100)));
        var result = await new FixedRateRunner(client).RunAsync(Get, rate: 20, TimeSpan.FromSeconds(0.5));

        Assert.Equal(10, result.Requests);
        Assert.Equal(0, result.Errors);
        Assert.True(result.MaxMs >= 540, $"max {result.MaxMs} ms should include the dispatcher's lateness");
    }

    [Fact]
    public async Task Requests_go_out_on_schedule_while_earlier_ones_are_unanswered()
    {
        // The first request is answered only after all ten have arrived: an open loop gets there, a closed loop
        // (waiting for each answer) would not. Its latency then spans at least the schedule's 450 ms.
        var handler = new StallFirstHandler(expected: 10);
        using var client = new HttpMessageInvoker(handler);
        var result = await new FixedRateRunner(client, new RunnerOptions { RequestTimeout = TimeSpan.FromSeconds(20) })
            .RunAsync(Get, rate: 20, TimeSpan.FromSeconds(0.5));

        Assert.True(handler.AllArrivedWhileFirstWasPending);
        Assert.Equal(10, result.Requests);
        Assert.Equal(0, result.Errors);
        Assert.True(result.MaxMs >= 440, $"max {result.MaxMs} ms should span the schedule");
    }

    private sealed class BlockingHandler(TimeSpan delay) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Thread.Sleep(delay);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }

    private sealed class StallFirstHandler(int expected) : HttpMessageHandler
    {
        private readonly TaskCompletionSource allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int arrived;

        public bool AllArrivedWhileFirstWasPending { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var n = Interlocked.Increment(ref arrived);
            if (n == expected) allArrived.TrySetResult();
            if (n == 1)
            {
                // Bounded: if the runner waited for this answer, the test fails after 10 s instead of hanging.
                var completed = await Task.WhenAny(allArrived.Task, Task.Delay(TimeSpan.FromSeconds(10), cancellationToken));
                AllArrivedWhileFirstWasPending = completed == allArrived.Task;
            }
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}
