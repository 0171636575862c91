using Orleans.Storage;
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
/// idempotently, persist behind (<see cref="WriteBehind"/>: within about two seconds, and on deactivation) so that a
/// burst of deliveries costs one write, not one per event. Live viewers (SSE connections) are grain observers told about
/// each change; they live only in memory and renew themselves, so nothing about them is persisted.
/// </summary>
public abstract class TimelineGrainBase(IPersistentState<Timeline> state, string streamNamespace, int capacity) : Grain
{
    private WriteBehind? writeBehind;
    private ObserverManager<ITimelineWatcher>? watchers;

    private WriteBehind Writes => writeBehind ??= new(this, PersistAsync,
        ServiceProvider.GetRequiredService<ILoggerFactory>().CreateLogger(GetType()));

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
        await Writes.FlushAsync();
    }

    /// <summary>
    /// Writes the timeline. A version conflict means the stored copy moved without this activation: most often its
    /// own earlier write committed but the reply was lost (the database went away mid-commit), or another activation
    /// wrote during a membership change. Both copies hold valid entries, so they are merged and written on top —
    /// retrying with the stale version would fail forever, and reloading alone would drop this copy's entries.
    /// </summary>
    private async Task PersistAsync()
    {
        try
        {
            await state.WriteStateAsync();
        }
        catch (InconsistentStateException)
        {
            var mine = state.State;
            await state.ReadStateAsync();
            state.State.Merge(mine, capacity);
            await state.WriteStateAsync();
        }
    }

    public Task<List<CheckinEntry>> GetPage(PageQuery query) => Task.FromResult(state.State.Page(query));

    /// <summary>Empties the timeline and deletes its stored row (a pending write-behind then writes the empty one).</summary>
    protected async Task ClearTimelineAsync()
    {
        state.State = new Timeline();
        await state.ClearStateAsync();
        DeactivateOnIdle();
    }

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
            Writes.Changed();
        }
        return Task.CompletedTask;
    }
}
