using Herenow.Grains.Checkins;
using Orleans.Concurrency;

namespace Herenow.Grains.Feeds;

/// <summary>
/// A live viewer of a timeline (one per SSE connection, living in the API process). Told about each event that
/// changed the timeline it watches. One-way, so a slow or vanished viewer never holds up or fails stream delivery;
/// a vanished one simply stops renewing its registration and expires.
/// </summary>
public interface ITimelineWatcher : IGrainObserver
{
    [OneWay]
    Task OnCheckin(CheckinEvent checkin);
}

/// <summary>Registration of live viewers on a timeline grain (home feed or global-feed shard).</summary>
public interface IWatchableTimeline
{
    /// <summary>
    /// Registers <paramref name="watcher"/>, or renews its registration; it lapses unless renewed within
    /// <see cref="TimelineWatch.Expiration"/>. Interleaves: it only touches the in-memory watcher list.
    /// </summary>
    [AlwaysInterleave]
    Task Watch(ITimelineWatcher watcher);

    /// <summary>Removes <paramref name="watcher"/>; one-way, as callers do this while closing a connection.</summary>
    [AlwaysInterleave, OneWay]
    Task Unwatch(ITimelineWatcher watcher);

    /// <summary>Live (unexpired) watchers, for tests and operators.</summary>
    [AlwaysInterleave]
    Task<int> WatcherCount();
}

public static class TimelineWatch
{
    /// <summary>How long a registration lasts without renewal.</summary>
    public static readonly TimeSpan Expiration = TimeSpan.FromSeconds(60);

    /// <summary>How often a live connection renews, well within <see cref="Expiration"/>.</summary>
    public static readonly TimeSpan Renewal = TimeSpan.FromSeconds(20);
}
