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

    /// <param name="followerBatches">The author's followers, a batch at a time; read only if the check-in is not private.</param>
    public async Task DeliverAsync(CheckinEvent checkin, IAsyncEnumerable<IReadOnlyList<string>> followerBatches)
    {
        await ToHomes(checkin, [checkin.Author]);
        if (checkin.Visibility != Visibility.Private)
        {
            await foreach (var batch in followerBatches)
            {
                await ToHomes(checkin, batch);
            }
        }
        if (checkin.Visibility == Visibility.Public)
        {
            await streams.GetStream<CheckinEvent>(StreamId.Create(FeedStreams.Global, GlobalFeed.ShardOf(checkin.CheckinId)))
                .OnNextAsync(checkin);
        }
        // The place is one more idempotent consumer; it applies its own visibility rules (private counts nowhere).
        // A check-in in a privacy zone says nothing to its place: here-now and the place feed would pinpoint it.
        if (!checkin.InPrivacyZone)
        {
            await grains.GetGrain<Places.IPlaceGrain>(checkin.PlaceId).RecordCheckin(checkin);
        }
    }

    private async Task ToHomes(CheckinEvent checkin, IReadOnlyList<string> homes)
    {
        foreach (var chunk in homes.Chunk(Parallelism))
        {
            await Task.WhenAll(chunk.Select(home =>
                streams.GetStream<CheckinEvent>(StreamId.Create(FeedStreams.Home, home)).OnNextAsync(checkin)));
        }
    }
}
