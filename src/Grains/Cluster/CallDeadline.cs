using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Herenow.Grains.Cluster;

/// <summary>
/// A deadline on each request, carried in the Orleans <see cref="RequestContext"/> (it flows with the message, into
/// nested grain calls and through a dead silo's hand-over). A silo refuses to start a call whose deadline has
/// passed: its caller has given up and reported the outcome as unknown, so running it now could only write an old
/// intention over newer ones. The case it closes: a request queued in a silo that hung, handed on to the grain's new
/// activation when the silo resumes, minutes late (ADR 0014). Work that outlives its request (a fan-out) clears it.
/// Clocks: a deadline is a wall-clock instant, so silos and API hosts need NTP-level agreement (milliseconds).
/// </summary>
public static class CallDeadline
{
    public const string Key = "herenow.deadline";

    public static DateTimeOffset? Current =>
        RequestContext.Get(Key) is long unixMs ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs) : null;

    /// <summary>Runs <paramref name="start"/> without the current deadline: work that must outlive the request.</summary>
    public static void Without(Action start)
    {
        var saved = RequestContext.Get(Key);
        if (saved is null)
        {
            start();
            return;
        }
        RequestContext.Remove(Key);
        try
        {
            start();
        }
        finally
        {
            RequestContext.Set(Key, saved);
        }
    }
}

/// <summary>On an Orleans client (the API): stamps each outgoing request with now + the client's response timeout.</summary>
public sealed class CallDeadlineStamp(IOptions<ClientMessagingOptions> messaging, TimeProvider clock) : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (RequestContext.Get(CallDeadline.Key) is null)
        {
            RequestContext.Set(CallDeadline.Key, (clock.GetUtcNow() + messaging.Value.ResponseTimeout).ToUnixTimeMilliseconds());
        }
        return context.Invoke();
    }
}

/// <summary>On every silo: a call that arrives after its deadline is refused before it runs.</summary>
public sealed class CallDeadlineFilter(TimeProvider clock) : IIncomingGrainCallFilter
{
    public Task Invoke(IIncomingGrainCallContext context)
    {
        if (CallDeadline.Current is { } deadline && clock.GetUtcNow() > deadline)
        {
            throw new TimeoutException(
                $"{context.InterfaceMethod?.Name} on {context.TargetId} arrived after its caller's deadline ({deadline:O}); refused unrun.");
        }
        return context.Invoke();
    }
}
