using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using Orleans.Utilities;

namespace Herenow.Grains.Feeds;

/// <summary>
/// Shared behaviour of the home feed and the global-feed shards: subscribe to this grain's stream, apply events
/// idempotently, persist behind (a change is written within a second, and on deactivation) so that a burst of
/// deliveries costs one write, not one per event. Live viewers (SSE connections) are grain observers told about
/// each change; they live only in memory and renew themselves, so nothing about them is persisted.
/// </summary>
public abstract class TimelineGrainBase(IPersistentState<Timeline> state, string streamNamespace, int capacity) : Grain
{
    private static readonly TimeSpan FlushDelay = TimeSpan.FromSeconds(1);
    private bool dirty;
    private IGrainTimer? flushTimer;
    private ObserverManager<ITimelineWatcher>? watchers;

    private ObserverManager<ITimelineWatcher> Watchers => watchers ??= new(TimelineWatch.Expiration,
        ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(GetType()));

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(Streams.StreamNames.Provider)
            .GetStream<CheckinEvent>(StreamId.Create(streamNamespace, this.GetPrimaryKeyString()));
        await stream.SubscribeAsync((checkin, _) => OnCheckin(checkin));
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await FlushAsync();
    }

    public Task<List<CheckinEntry>> GetPage(PageQuery query) => Task.FromResult(state.State.Page(query));

    protected Timeline Timeline => state.State;

    public Task Watch(ITimelineWatcher watcher)
    {
        Watchers.Subscribe(watcher, watcher);
        return Task.CompletedTask;
    }

    public Task Unwatch(ITimelineWatcher watcher)
    {
        Watchers.Unsubscribe(watcher);
        return Task.CompletedTask;
    }

    public Task<int> WatcherCount()
    {
        Watchers.ClearExpired();
        return Task.FromResult(Watchers.Count);
    }

    private Task OnCheckin(CheckinEvent checkin)
    {
        if (state.State.Apply(checkin, capacity))
        {
            // OnCheckin is one-way, so this neither waits for viewers nor fails delivery; the manager drops a
            // watcher whose call throws outright, and expired ones (connections that stopped renewing).
            if (watchers is { Count: > 0 })
            {
                watchers.Notify(w => w.OnCheckin(checkin));
            }
            dirty = true;
            flushTimer ??= this.RegisterGrainTimer(async () =>
            {
                flushTimer?.Dispose();
                flushTimer = null;
                await FlushAsync();
            }, new GrainTimerCreationOptions(FlushDelay, Timeout.InfiniteTimeSpan));
        }
        return Task.CompletedTask;
    }

    private async Task FlushAsync()
    {
        if (dirty)
        {
            dirty = false;
            await state.WriteStateAsync();
        }
    }
}

[ImplicitStreamSubscription(FeedStreams.Home)]
public sealed class FeedGrain([PersistentState("feed")] IPersistentState<Timeline> state, IOptions<FeedOptions> options)
    : TimelineGrainBase(state, FeedStreams.Home, options.Value.HomeCapacity), IFeedGrain
{
    public Task<HomeFeedPage> GetHomePage(PageQuery query)
    {
        var entries = Timeline.Page(query);
        // Paging older (no min_id) past the end of a feed that has dropped entries: the rest is in histories.
        var olderInHistories = Timeline.Truncated && query.MinId is null && entries.Count < query.Limit;
        return Task.FromResult(new HomeFeedPage(entries, olderInHistories));
    }
}

[ImplicitStreamSubscription(FeedStreams.Global)]
public sealed class GlobalFeedShardGrain([PersistentState("global-feed")] IPersistentState<Timeline> state)
    : TimelineGrainBase(state, FeedStreams.Global, Timeline.Capacity), IGlobalFeedShardGrain;
