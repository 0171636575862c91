using Herenow.Grains.Common;
using Microsoft.Extensions.Options;

namespace Herenow.Grains.Feeds;

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

    public Task Clear() => ClearTimelineAsync();
}
