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
    public static TimeSpan Cap(int attemptsMade, FederationOptions options)
    {
        var exponent = Math.Min(Math.Max(attemptsMade, 1) - 1, 40); // 2^40 minutes is far past any sane MaxDelay
        var capped = Math.Min(options.BaseDelay.TotalSeconds * Math.Pow(2, exponent), options.MaxDelay.TotalSeconds);
        return TimeSpan.FromSeconds(capped);
    }

    /// <summary>The wait before the next attempt; never shorter than what the server asked for (Retry-After).</summary>
    public static TimeSpan Delay(int attemptsMade, FederationOptions options, Random random, TimeSpan? retryAfter = null)
    {
        var jittered = TimeSpan.FromSeconds(random.NextDouble() * Cap(attemptsMade, options).TotalSeconds);
        return retryAfter is { } asked && asked > jittered ? TimeSpan.FromTicks(Math.Min(asked.Ticks, options.MaxDelay.Ticks)) : jittered;
    }
}
