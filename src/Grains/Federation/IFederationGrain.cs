using Herenow.Grains.Checkins;

namespace Herenow.Grains.Federation;

/// <summary>
/// Relays a user's check-in events to the protocols the author chose: ActivityPub (on unless switched off) and
/// AT Protocol (when an account is linked; public check-ins only). Stateless: the durable
/// parts are the author's fan-out outbox, which calls this until it succeeds, and the delivery queue it fills.
/// </summary>
public interface IFederationGrain : IGrainWithIntegerKey
{
    /// <summary>Queues the deliveries for one event; idempotent, so the fan-out may repeat it.</summary>
    Task Relay(CheckinEvent checkin);

    /// <summary>A remote post (or its deletion) for the home feeds of the local users following its author.</summary>
    Task DeliverToHomes(CheckinEvent checkin, List<string> homes);
}
