using Herenow.Grains.Checkins;
using Herenow.Grains.Pages;
using Orleans.Concurrency;

namespace Herenow.Grains.Feeds;

/// <summary>
/// One per silo (key: the silo's address, placed there by <see cref="SiloBoundPlacement"/>): receives every committed
/// check-in once, in batches, over the "silo-feeds" stream, and applies it to that silo's active feeds, global feed
/// and caches (<see cref="LocalFeeds"/>); and takes pushed cache invalidations.
/// </summary>
public interface ISiloFeedsGrain : IGrainWithStringKey
{
    [AlwaysInterleave]
    Task Invalidate(CacheInvalidation change);
}

/// <summary>What the "silo-feeds" stream carries: committed events, addressed to every feed that follows their authors,
/// or (fediverse posts) to the named homes only.</summary>
[GenerateSerializer, Immutable, Alias("herenow.feed-batch")]
public sealed record FeedBatch(
    [property: Id(0)] IReadOnlyList<CheckinEvent> Events,
    [property: Id(1)] IReadOnlyList<string>? Homes = null);
