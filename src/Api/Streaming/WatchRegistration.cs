using Herenow.Grains.Checkins;
using Herenow.Grains.Feeds;

namespace Herenow.Api.Streaming;

/// <summary>
/// One SSE connection's registration as a grain observer of the timelines it shows: watched on start, renewed
/// every <see cref="TimelineWatch.Renewal"/> (well within the grains' expiration), unwatched and the object
/// reference deleted on dispose. If the API process dies, the grains drop the registration when it expires.
/// </summary>
internal sealed partial class WatchRegistration : IAsyncDisposable
{
    private readonly IClusterClient cluster;
    private readonly IReadOnlyList<IWatchableTimeline> timelines;
    private readonly ILogger logger;
    private readonly string traceId;
    // Object references are weak: this field keeps the observer alive for as long as the connection.
    private readonly ChannelWatcher watcher;
    private readonly ITimelineWatcher reference;
    private readonly CancellationTokenSource stop = new();
    private Task renewing = Task.CompletedTask;

    private WatchRegistration(IClusterClient cluster, IReadOnlyList<IWatchableTimeline> timelines, Action<CheckinEvent> onNext,
        ILogger logger, string traceId)
    {
        this.cluster = cluster;
        this.timelines = timelines;
        this.logger = logger;
        this.traceId = traceId;
        watcher = new ChannelWatcher(onNext);
        reference = cluster.CreateObjectReference<ITimelineWatcher>(watcher);
    }

    /// <summary>Registers with every timeline; returns once all of them will notify <paramref name="onNext"/>.</summary>
    public static async Task<WatchRegistration> StartAsync(IClusterClient cluster, IReadOnlyList<IWatchableTimeline> timelines,
        Action<CheckinEvent> onNext, ILogger logger, string traceId)
    {
        var registration = new WatchRegistration(cluster, timelines, onNext, logger, traceId);
        try
        {
            await registration.WatchAllAsync();
        }
        catch
        {
            await registration.DisposeAsync();
            throw;
        }
        registration.renewing = registration.RenewAsync(registration.stop.Token);
        return registration;
    }

    private Task WatchAllAsync() => Task.WhenAll(timelines.Select(t => t.Watch(reference)));

    /// <summary>A failed renewal (a silo going away) is retried at the next tick, which also re-registers with a new activation.</summary>
    private async Task RenewAsync(CancellationToken cancel)
    {
        using var timer = new PeriodicTimer(TimelineWatch.Renewal);
        try
        {
            while (await timer.WaitForNextTickAsync(cancel))
            {
                try
                {
                    await WatchAllAsync();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    LogRenewalFailed(logger, e, traceId);
                }
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The connection ended.
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await renewing;
        stop.Dispose();
        foreach (var timeline in timelines)
        {
            try
            {
                // One-way: the connection is closing and need not wait; a lost call just lets the registration expire.
                _ = timeline.Unwatch(reference);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogUnwatchFailed(logger, e, traceId);
            }
        }
        cluster.DeleteObjectReference<ITimelineWatcher>(reference);
        GC.KeepAlive(watcher);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SSE {TraceId}: could not renew the watch; retrying at the next renewal")]
    private static partial void LogRenewalFailed(ILogger logger, Exception error, string traceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SSE {TraceId}: could not unwatch; the registration expires on its own")]
    private static partial void LogUnwatchFailed(ILogger logger, Exception error, string traceId);
}
