using System.Threading.Channels;
using Herenow.Bench.Scenarios;

namespace Herenow.Bench.Runner;

/// <summary>
/// Open-loop load at a fixed rate, coordinated-omission correct. A dispatcher thread releases request slots on the
/// schedule (<see cref="OpenLoopSchedule"/>: slot i is due at start + i / rate) into a queue, whether or not earlier
/// requests have been answered; a pool of keep-alive connections takes slots from the queue, one request in flight
/// per connection. Each latency counts from the slot's <em>scheduled</em> time, so everything between schedule and
/// answer is in it: the dispatcher's tick (about 1 ms; it sleeps between releases instead of spinning, to leave the
/// cores to the server), waiting for a free connection, the server. When every connection is busy and slots queue up,
/// the dispatcher opens more connections (up to <see cref="RunnerOptions.MaxConnections"/>); beyond that they wait,
/// and the wait is latency, not a lower offered rate. A slot still queued after the request timeout is not sent and
/// counts as an error ("expired"), so a stalled server cannot make a run last longer than its schedule plus the timeout.
/// </summary>
public sealed class FixedRateRunner(ILoadTarget target, RunnerOptions? options = null)
{
    private readonly RunnerOptions options = options ?? new RunnerOptions();
    private readonly ILoadTarget target = target;

    /// <summary>
    /// Offers <paramref name="rate"/> requests per second for <paramref name="duration"/> (or until
    /// <paramref name="stop"/> is cancelled, for background load), then waits for the ones in flight (bounded by
    /// the request timeout). Pass <paramref name="recorder"/> to pool several runs into one set of percentiles.
    /// </summary>
    public async Task<RunResult> RunAsync(Scenario scenario, double rate, TimeSpan duration, LatencyRecorder? recorder = null,
        CancellationToken stop = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        recorder ??= new LatencyRecorder(scenario.Name);
        var total = Math.Max(1, (long)Math.Round(rate * duration.TotalSeconds));
        var constant = scenario.IsConstant ? scenario.Build(0).Encode(target.Host) : null;
        var slots = Channel.CreateUnbounded<long>(new UnboundedChannelOptions { SingleWriter = true });
        var pool = new Pool(this, scenario, constant, slots.Reader, recorder);
        // A short lead so the first connections are open before the first slot is due.
        var initial = Math.Min(options.MaxConnections, (int)Math.Max(2, Math.Ceiling(rate / 1000)));
        for (var i = 0; i < initial; i++) pool.Spawn();
        var schedule = new OpenLoopSchedule(BenchClock.Now + BenchClock.TicksFromSeconds(0.05), rate, total);
        pool.Schedule = schedule;
        var dispatcher = new Thread(() => Dispatch(schedule, slots.Writer, pool, stop)) { IsBackground = true, Name = "open-loop dispatcher" };
        dispatcher.Start();
        await pool.Dispatched.Task;
        await pool.DrainAsync();
        return recorder.ToResult("fixed-rate", rate, BenchClock.ToMilliseconds(BenchClock.Now - schedule.StartTimestamp) / 1000, pool.Connections);
    }

    private static void Dispatch(OpenLoopSchedule schedule, ChannelWriter<long> writer, Pool pool, CancellationToken stop)
    {
        try
        {
            long released = 0;
            while (released < schedule.TotalRequests && !stop.IsCancellationRequested)
            {
                var now = BenchClock.Now;
                var due = schedule.DueBy(now);
                for (; released < due; released++) writer.TryWrite(released);
                pool.Grow(released);
                if (released >= schedule.TotalRequests) break;
                // Sleep until the next slot, at most 20 ms at a time (to notice cancellation), at least the OS's
                // minimum (about 1 ms): slots due meanwhile are released together on the next tick and carry
                // that lateness in their latency.
                var waitMs = BenchClock.ToMilliseconds(schedule.IntendedTimestamp(released) - BenchClock.Now);
                Thread.Sleep(Math.Clamp((int)waitMs, 1, 20));
            }
        }
        finally
        {
            writer.TryComplete();
            pool.Dispatched.TrySetResult();
        }
    }

    /// <summary>The connections of one run: each takes the next released slot, sends it, records it, repeats.</summary>
    private sealed class Pool(FixedRateRunner runner, Scenario scenario, byte[]? constant, ChannelReader<long> slots, LatencyRecorder recorder)
    {
        private readonly List<Task> workers = [];
        private long taken;
        private int idle;

        public OpenLoopSchedule Schedule { get; set; }

        public TaskCompletionSource Dispatched { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Connections { get; private set; }

        public void Spawn()
        {
            Connections++;
            Interlocked.Increment(ref idle);
            lock (workers) workers.Add(Task.Run(WorkAsync));
        }

        /// <summary>Opens more connections while released slots wait and none is idle (up to the cap).</summary>
        public void Grow(long released)
        {
            var backlog = released - Interlocked.Read(ref taken) - Volatile.Read(ref idle);
            for (var i = 0; i < backlog && i < 64 && Connections < runner.options.MaxConnections; i++) Spawn();
        }

        public async Task DrainAsync()
        {
            Task[] all;
            lock (workers) all = [.. workers];
            await Task.WhenAll(all);
        }

        private async Task WorkAsync()
        {
            var options = runner.options;
            ILoadConnection? connection = null;
            var timeout = new CancellationTokenSource();
            try
            {
                while (true)
                {
                    if (!slots.TryRead(out var slot))
                    {
                        if (!await slots.WaitToReadAsync()) break;
                        continue;
                    }
                    Interlocked.Decrement(ref idle);
                    Interlocked.Increment(ref taken);
                    var intended = Schedule.IntendedTimestamp(slot);
                    var now = BenchClock.Now;
                    if (now - intended > BenchClock.TicksFromSeconds(options.RequestTimeout.TotalSeconds))
                    {
                        recorder.Record(intended, now, now, ok: false, "expired");
                    }
                    else
                    {
                        var bytes = constant ?? scenario.Build(slot).Encode(runner.target.Host);
                        if (!timeout.TryReset())
                        {
                            timeout.Dispose();
                            timeout = new CancellationTokenSource();
                        }
                        timeout.CancelAfter(options.RequestTimeout);
                        connection = await Exchange.SendAsync(runner.target, connection, bytes, scenario, intended, recorder, timeout.Token);
                    }
                    Interlocked.Increment(ref idle);
                }
            }
            finally
            {
                connection?.Dispose();
                timeout.Dispose();
            }
        }
    }
}

/// <summary>One request on a connection (opened if needed), recorded; returns the connection to keep, or null if it broke.</summary>
internal static class Exchange
{
    public static async Task<ILoadConnection?> SendAsync(ILoadTarget target, ILoadConnection? connection, byte[] request,
        Scenario scenario, long since, LatencyRecorder recorder, CancellationToken timeout)
    {
        var sent = BenchClock.Now;
        try
        {
            connection ??= await target.ConnectAsync(timeout);
            var status = await connection.ExchangeAsync(request, timeout);
            recorder.Record(since, sent, BenchClock.Now, scenario.IsSuccess(status), LatencyRecorder.StatusName(status));
            return connection;
        }
        catch (OperationCanceledException)
        {
            recorder.Record(since, sent, BenchClock.Now, ok: false, "timeout");
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException)
        {
            recorder.Record(since, sent, BenchClock.Now, ok: false, "transport");
        }
        connection?.Dispose();
        return null;
    }
}
