using Herenow.Grains.Checkins;
using Orleans.Streams;

namespace Herenow.Grains.Feeds;

/// <summary>
/// Hands one check-in event to every timeline that should hold it, through Orleans streams: the author's and each
/// follower's home feed ("home" namespace, keyed by username), for public check-ins one global-feed shard, and the place.
/// Private check-ins reach only the author's own feed. Consumers dedupe by check-in id, so repeating a delivery
/// after a crash is harmless (at-least-once delivery, idempotent consumers).
/// </summary>
public sealed class FanoutDelivery(IStreamProvider streams, IGrainFactory grains)
{
    private const int Parallelism = 256;

    public async Task DeliverAsync(CheckinEvent checkin, IReadOnlyList<string> followers)
    {
        var homes = new List<string> { checkin.Author };
        if (checkin.Visibility != Visibility.Private)
        {
            homes.AddRange(followers);
        }
        foreach (var batch in homes.Chunk(Parallelism))
        {
            await Task.WhenAll(batch.Select(home =>
                streams.GetStream<CheckinEvent>(StreamId.Create(FeedStreams.Home, home)).OnNextAsync(checkin)));
        }
        if (checkin.Visibility == Visibility.Public)
        {
            await streams.GetStream<CheckinEvent>(StreamId.Create(FeedStreams.Global, GlobalFeed.ShardOf(checkin.CheckinId)))
                .OnNextAsync(checkin);
        }
        // The place is one more idempotent consumer; it applies its own visibility rules (private counts nowhere).
        await grains.GetGrain<Places.IPlaceGrain>(checkin.PlaceId).RecordCheckin(checkin);
    }
}
