using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Pages;
using Orleans.Concurrency;

namespace Herenow.Grains.Feeds;

/// <summary>
/// A user's home timeline: their own and their followees' check-ins, newest first. Key: the owner's username. A cache,
/// not the only copy: while active it holds the newest entries in memory, fed by its silo (<see cref="LocalFeeds"/>);
/// activated again it is rebuilt from the follow graph and the check-in table. Live viewers watch it
/// (<see cref="IWatchableTimeline"/>).
/// </summary>
public interface IFeedGrain : IGrainWithStringKey, IWatchableTimeline
{
    /// <summary>Entries of a page, unfiltered (the SSE catch-up filters them itself).</summary>
    Task<List<CheckinEntry>> GetPage(PageQuery query);

    /// <summary>A finished page for the owner: entries, records, authors and the visibility policy applied in the silo.</summary>
    Task<ViewPage> GetHomeView(PageQuery query);

    /// <summary>The owner now follows <paramref name="author"/>: their recent check-ins are merged in (Mastodon's merge).</summary>
    Task Followed(string author);

    /// <summary>The owner no longer follows <paramref name="author"/> (unfollow, block): their entries leave at once.</summary>
    Task Unfollowed(string author);

    /// <summary>Tells live viewers about a delivered event (sent by the silo's delivery only while viewers watch).</summary>
    [OneWay, AlwaysInterleave]
    Task Notify(CheckinEvent checkin);

    /// <summary>Empties and forgets the feed (its owner's account was deleted).</summary>
    Task Clear();
}

/// <summary>
/// One shard of the global feed's live viewers (key: "0".."7"): public check-ins reach it over the "global" stream and
/// it tells its watchers. Pages of the global feed are read from each silo's copy (<see cref="GlobalTimeline"/>).
/// </summary>
public interface IGlobalFeedShardGrain : IGrainWithStringKey, IWatchableTimeline
{
}
