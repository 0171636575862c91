using Herenow.Grains.Checkins;
using Orleans.Concurrency;

namespace Herenow.Grains.Feeds;

/// <summary>
/// Delivers one check-in event to every feed and the place, off the author's grain: a fan-out to 100k followers
/// takes seconds, and in the author's own turn it would hold up that author's next request. Stateless, so Orleans
/// runs several per silo and a slow fan-out never queues behind another.
/// </summary>
public interface IFanoutWorkerGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Fire-and-forget: when every hand-off succeeded the worker calls <c>IUserGrain.FanoutDelivered</c> on the
    /// author with <paramref name="dispatchId"/>, and the event may settle and leave the author's durable outbox. A
    /// lost call or a crashed worker leaves the event there, and the author dispatches it again (at-least-once;
    /// consumers dedupe by check-in id).
    /// </summary>
    /// <param name="followers">The author's local followers when its grain has them in memory and they are few
    /// (<see cref="InlineFollowers"/> at most): the worker then reads nothing from the follows table.</param>
    [OneWay]
    Task Deliver(CheckinEvent checkin, Guid dispatchId, IReadOnlyList<string>? followers = null);
}

public static class FanoutLimits
{
    /// <summary>Followers handed to the worker with the event; more are read from the table in batches.</summary>
    public const int InlineFollowers = 1000;
}
