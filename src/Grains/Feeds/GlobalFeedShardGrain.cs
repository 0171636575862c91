namespace Herenow.Grains.Feeds;

[ImplicitStreamSubscription(FeedStreams.Global)]
public sealed class GlobalFeedShardGrain([PersistentState("global-feed")] IPersistentState<Timeline> state)
    : TimelineGrainBase(state, FeedStreams.Global, Timeline.Capacity), IGlobalFeedShardGrain;
