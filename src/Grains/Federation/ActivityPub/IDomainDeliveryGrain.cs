using Orleans.Concurrency;

namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>
/// Delivers the queued activities for one remote domain (key: host[:port]). One activation per domain cluster-wide
/// makes it the natural home of that domain's circuit breaker and concurrency limit. The queue itself is in
/// PostgreSQL; a reminder brings the grain back after a restart while anything is queued.
/// </summary>
public interface IDomainDeliveryGrain : IGrainWithStringKey
{
    /// <summary>New work was queued: make sure it will be delivered (now, unless the circuit is open).</summary>
    [AlwaysInterleave]
    Task Wake();

    Task<DomainDeliveryStatus> GetStatus();
}

[GenerateSerializer, Alias("herenow.domain-delivery-status")]
public sealed record DomainDeliveryStatus(
    [property: Id(0)] string Domain,
    [property: Id(1)] bool CircuitOpen,
    [property: Id(2)] int ConsecutiveFailures,
    [property: Id(3)] DateTimeOffset? ReopensAt);
