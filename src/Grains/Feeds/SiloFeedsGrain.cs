using Herenow.Grains.Pages;
using Orleans.Concurrency;
using Orleans.Streams;

namespace Herenow.Grains.Feeds;

[SiloBoundPlacement, Reentrant]
[ImplicitStreamSubscription(FeedStreams.Silo)]
public sealed class SiloFeedsGrain(LocalFeeds feeds, PageCaches caches, GlobalFirstPage firstPage) : Grain, ISiloFeedsGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var stream = this.GetStreamProvider(Streams.StreamNames.Provider)
            .GetStream<FeedBatch>(StreamId.Create(FeedStreams.Silo, this.GetPrimaryKeyString()));
        await stream.SubscribeAsync((batch, _) => Apply(batch));
    }

    public Task Invalidate(CacheInvalidation change)
    {
        caches.Invalidate(change);
        firstPage.Clear();
        return Task.CompletedTask;
    }

    private Task Apply(FeedBatch batch)
    {
        caches.Observe(batch.Events);
        if (batch.Events.Any(e => e.Deleted))
        {
            firstPage.Clear();
        }
        var watched = batch.Homes is null
            ? feeds.Deliver(batch.Events)
            : batch.Events.SelectMany(e => feeds.DeliverTo(e, batch.Homes)).ToList();
        // Live viewers hang off the feed grain: only feeds being watched cost a (one-way) call.
        foreach (var (owner, checkin) in watched)
        {
            GrainFactory.GetGrain<IFeedGrain>(owner).Notify(checkin).Ignore();
        }
        return Task.CompletedTask;
    }
}
