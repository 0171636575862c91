using Herenow.Grains.Checkins;
using Microsoft.Extensions.Logging;
using Orleans.Utilities;

namespace Herenow.Grains.Feeds;

/// <summary>
/// The live viewers (SSE connections) of one timeline grain, in memory only: they renew themselves, so nothing is
/// persisted. Notifying is one-way, so a slow or vanished viewer never holds up delivery; expired ones are dropped.
/// </summary>
internal sealed class TimelineWatchers(ILogger logger)
{
    private readonly ObserverManager<ITimelineWatcher> watchers = new(TimelineWatch.Expiration, logger);

    public int Count => watchers.Count;

    public void Watch(ITimelineWatcher watcher) => watchers.Subscribe(watcher, watcher);

    public void Unwatch(ITimelineWatcher watcher) => watchers.Unsubscribe(watcher);

    public int Live()
    {
        watchers.ClearExpired();
        return watchers.Count;
    }

    public void Notify(CheckinEvent checkin)
    {
        if (watchers.Count > 0)
        {
            watchers.Notify(w => w.OnCheckin(checkin));
        }
    }
}
