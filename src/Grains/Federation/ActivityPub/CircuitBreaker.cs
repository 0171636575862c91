namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>
/// One remote domain's circuit breaker: after <c>threshold</c> consecutive failures it opens for <c>openFor</c>, during
/// which nothing is sent there (the queue waits; nothing is lost); then one trial delivery (half-open) closes it on
/// success or opens it again on failure. It keeps a dead server from tying up delivery slots and our retries from
/// hammering a server that is trying to come back. Lives in the domain's delivery grain: one per domain cluster-wide.
/// </summary>
public sealed class CircuitBreaker(int threshold, TimeSpan openFor)
{
    private int consecutiveFailures;
    private DateTimeOffset? openedAt;

    public int ConsecutiveFailures => consecutiveFailures;

    public bool IsOpen(DateTimeOffset now) => openedAt is { } at && now - at < openFor;

    /// <summary>Open long enough ago that one trial may go.</summary>
    public bool IsHalfOpen(DateTimeOffset now) => openedAt is { } at && now - at >= openFor;

    /// <summary>How many deliveries may be in flight now: none while open, one trial when half-open.</summary>
    public int Permits(DateTimeOffset now, int normal) => IsOpen(now) ? 0 : IsHalfOpen(now) ? 1 : normal;

    /// <summary>When the circuit lets a trial through, or null when it is closed.</summary>
    public DateTimeOffset? ReopensAt => openedAt + openFor;

    public void Success()
    {
        consecutiveFailures = 0;
        openedAt = null;
    }

    public void Failure(DateTimeOffset now)
    {
        consecutiveFailures++;
        // A failed trial re-opens at once; otherwise the threshold opens it.
        if (openedAt is not null || consecutiveFailures >= threshold)
        {
            openedAt = now;
        }
    }
}
