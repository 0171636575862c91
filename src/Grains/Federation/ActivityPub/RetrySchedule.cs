namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>
/// When a failed delivery is tried again: exponential backoff with full jitter. After attempt n the wait is uniformly
/// random in [0, min(MaxDelay, BaseDelay·2^(n-1))], so deliveries that failed together (a server that was down) come
/// back spread out instead of as one retry storm. With the defaults (1 min, 24 h, 16 attempts) the caps add up to
/// 5.4 days and the expected total wait is half that, about 2.7 days — Mastodon's scale.
/// </summary>
public static class RetrySchedule
{
    /// <summary>The cap on the wait after <paramref name="attemptsMade"/> failed attempts (1 or more).</summary>
    public static TimeSpan Cap(int attemptsMade, FederationOptions options) => Cap(attemptsMade, options.BaseDelay, options.MaxDelay);

    /// <summary>min(<paramref name="maxDelay"/>, <paramref name="baseDelay"/>·2^(n-1)) for n attempts made (1 or more).</summary>
    public static TimeSpan Cap(int attemptsMade, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        var exponent = Math.Min(Math.Max(attemptsMade, 1) - 1, 40); // 2^40 times the base is far past any sane maximum
        return TimeSpan.FromSeconds(Math.Min(baseDelay.TotalSeconds * Math.Pow(2, exponent), maxDelay.TotalSeconds));
    }

    /// <summary>Full jitter: uniform in [0, <see cref="Cap(int, TimeSpan, TimeSpan)"/>]. Also the account-deletion saga's backoff.</summary>
    public static TimeSpan FullJitter(int attemptsMade, TimeSpan baseDelay, TimeSpan maxDelay, Random random) =>
        TimeSpan.FromSeconds(random.NextDouble() * Cap(attemptsMade, baseDelay, maxDelay).TotalSeconds);

    /// <summary>The wait before the next attempt; never shorter than what the server asked for (Retry-After).</summary>
    public static TimeSpan Delay(int attemptsMade, FederationOptions options, Random random, TimeSpan? retryAfter = null)
    {
        var jittered = FullJitter(attemptsMade, options.BaseDelay, options.MaxDelay, random);
        return retryAfter is { } asked && asked > jittered ? TimeSpan.FromTicks(Math.Min(asked.Ticks, options.MaxDelay.Ticks)) : jittered;
    }
}
