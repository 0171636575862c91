using Microsoft.Extensions.Logging;

namespace Herenow.Grains.Feeds;

/// <summary>
/// Persist-behind for a feed grain's state. A change is written after a short jittered delay, so a burst of
/// deliveries costs one write and feeds filled by the same fan-out do not all write in the same instant. At most
/// <see cref="MaxConcurrentWrites"/> such writes run at once per silo — a bulkhead, so a fan-out to 100k feeds cannot
/// take every pooled database connection from the requests waiting for one. A failed write keeps the change and is
/// retried with exponential backoff and full jitter: thousands of feeds that failed together must not retry together.
/// The write runs in an interleaving timer turn, so reads of the feed are never queued behind a write that waits for
/// a slot; at most one write of a grain is in flight at a time (ETags stay in sequence), and a change applied
/// meanwhile is written by the next one.
/// </summary>
public sealed class WriteBehind(Grain grain, Func<Task> write, ILogger logger)
{
    public const int MaxConcurrentWrites = 32;
    private static readonly SemaphoreSlim WriteSlots = new(MaxConcurrentWrites);
    private static readonly TimeSpan Delay = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(30);

    private bool dirty;
    private int failures;
    private IGrainTimer? timer;
    private Task? inFlight;

    /// <summary>Notes a change; it is written within about two seconds.</summary>
    public void Changed()
    {
        dirty = true;
        Schedule(Delay + TimeSpan.FromMilliseconds(Random.Shared.Next(1000)));
    }

    /// <summary>Writes now if anything is pending (deactivation); a failure propagates to the caller.</summary>
    public async Task FlushAsync()
    {
        while (inFlight is { } running)
        {
            await running.ContinueWith(_ => { }, TaskScheduler.Current); // its outcome is its owner's to handle
        }
        if (!dirty)
        {
            return;
        }
        inFlight = WriteAsync();
        try
        {
            await inFlight;
        }
        finally
        {
            inFlight = null;
        }
    }

    private async Task WriteAsync()
    {
        await WriteSlots.WaitAsync();
        try
        {
            dirty = false;
            await write();
        }
        catch
        {
            dirty = true; // still to be written: never drop a change because one write failed
            throw;
        }
        finally
        {
            WriteSlots.Release();
        }
    }

    private void Schedule(TimeSpan delay) =>
        timer ??= grain.RegisterGrainTimer(async () =>
        {
            timer?.Dispose();
            timer = null;
            await TryFlushAsync();
        }, new GrainTimerCreationOptions(delay, Timeout.InfiniteTimeSpan) { Interleave = true });

    private async Task TryFlushAsync()
    {
        try
        {
            await FlushAsync();
            failures = 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failures++;
            var cap = Math.Min(MaxRetryDelay.TotalMilliseconds, Delay.TotalMilliseconds * Math.Pow(2, failures));
            var retryIn = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap);
            LogRetry(logger, e.Message, failures, retryIn.TotalMilliseconds);
            Schedule(retryIn);
        }
    }

    private static void LogRetry(ILogger logger, string error, int failures, double retryMs)
    {
        // Debug, not warning: a database outage would otherwise log one line per feed per retry.
        if (logger.IsEnabled(LogLevel.Debug))
        {
            logger.LogDebug("Feed write failed ({Failures} in a row): {Error}; retrying in {RetryMs:F0} ms", failures, error, retryMs);
        }
    }
}
