using Herenow.Grains.Checkins;
using Orleans.Concurrency;

namespace Herenow.Grains.Feeds;

/// <summary>
/// Delivers one committed check-in event to the silos' feeds (<see cref="FeedDispatcher"/>), the global feed's live
/// viewers, the place and the fediverse, off the author's grain. Stateless, so Orleans runs several per silo.
/// </summary>
public interface IFanoutWorkerGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Fire-and-forget: when every hand-off succeeded the worker calls <c>IUserGrain.FanoutDelivered</c> on the
    /// author with <paramref name="dispatchId"/>, and the event may settle and leave the author's durable outbox. A
    /// lost call or a crashed worker leaves the event there, and the author dispatches it again (at-least-once;
    /// consumers dedupe by check-in id).
    /// </summary>
    [OneWay]
    Task Deliver(CheckinEvent checkin, Guid dispatchId);
}
