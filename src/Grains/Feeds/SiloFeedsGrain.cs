using Herenow.Grains.Pages;
using Microsoft.Extensions.Logging;
using Orleans.Concurrency;
using Orleans.Streams;

namespace Herenow.Grains.Feeds;

[SiloBoundPlacement, Reentrant]
[ImplicitStreamSubscription(FeedStreams.Silo)]
public sealed partial class SiloFeedsGrain(LocalFeeds feeds, Places.LocalPlaces places, PageCaches caches, GlobalFirstPage firstPage,
    ILogger<SiloFeedsGrain> logger) : Grain, ISiloFeedsGrain
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
        if (batch.Homes is null)
        {
            RecordAtActivePlaces(batch.Events);
        }
        return Task.CompletedTask;
    }

    /// <summary>
    /// Places active on this silo learn of their check-ins here; the others read them from the rows when they activate.
    /// A check-in in a privacy zone says nothing to its place (here-now and the place feed would pinpoint it).
    /// </summary>
    private void RecordAtActivePlaces(IReadOnlyList<Checkins.CheckinEvent> events)
    {
        foreach (var checkin in events)
        {
            if (!checkin.InPrivacyZone && places.IsActive(checkin.PlaceId))
            {
                // One-way: a failure is logged; a place that missed an event is right again from its next activation.
                GrainFactory.GetGrain<Places.IPlaceGrain>(checkin.PlaceId).RecordCheckin(checkin)
                    .ContinueWith(t => LogPlaceFailed(logger, t.Exception!, checkin.CheckinId, checkin.PlaceId),
                        TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording check-in {CheckinId} at place {PlaceId} failed; the place is right again once it reactivates")]
    private static partial void LogPlaceFailed(ILogger logger, Exception error, string checkinId, string placeId);
}
