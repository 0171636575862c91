using Herenow.Grains.Checkins;
using Herenow.Grains.Common;

namespace Herenow.Grains.Feeds;

/// <summary>
/// A user's home timeline: their own and their followees' check-ins, newest first, the newest ~800 kept
/// (older pages come from the authors' histories). Key: the owner's username. Fed by the "home" stream;
/// reading a page is one call to this grain. Live viewers watch it (<see cref="IWatchableTimeline"/>).
/// </summary>
public interface IFeedGrain : IGrainWithStringKey, IWatchableTimeline
{
    Task<List<CheckinEntry>> GetPage(PageQuery query);

    /// <summary>A page, and whether older entries than the feed keeps must be read from the authors' histories.</summary>
    Task<HomeFeedPage> GetHomePage(PageQuery query);

    /// <summary>Empties and forgets the feed (its owner's account was deleted).</summary>
    Task Clear();
}

[GenerateSerializer, Alias("herenow.home-feed-page")]
public sealed record HomeFeedPage(
    [property: Id(0)] List<CheckinEntry> Entries,
    [property: Id(1)] bool OlderInHistories);

/// <summary>One shard of the global feed of public check-ins. Key: the shard number ("0".."7").</summary>
public interface IGlobalFeedShardGrain : IGrainWithStringKey, IWatchableTimeline
{
    Task<List<CheckinEntry>> GetPage(PageQuery query);
}
