using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;
using Herenow.Api.Accounts;
using Herenow.Api.Problems;
using Microsoft.Extensions.Options;

namespace Herenow.Api.Security;

/// <summary>
/// Backoff against password guessing on POST /api/v1/sessions, keyed by "&lt;username&gt;|&lt;ip&gt;": by the username
/// because a guesser aims at one account, and by the IP as well so that a guesser elsewhere cannot lock the owner out of
/// their own account (a guesser spread over many addresses is slowed by each address's window and lockout, and by the
/// anonymous per-IP budget). Two layers:
/// <list type="bullet">
/// <item>a fixed window of attempts, right or wrong (<see cref="RateLimitOptions.LoginLimits.PermitLimit"/> per
/// <see cref="RateLimitOptions.LoginLimits.Window"/>);</item>
/// <item>a lockout after <see cref="RateLimitOptions.LoginLimits.FailuresBeforeLockout"/> consecutive failures, doubling
/// with each further failure up to <see cref="RateLimitOptions.LoginLimits.MaxLockout"/>. During a lockout every attempt
/// is refused unchecked, the right password too; a successful sign-in forgets the failures.</item>
/// </list>
/// Unknown usernames are counted exactly as known ones, so the answers reveal nothing about which names exist.
/// </summary>
public sealed class LoginThrottle : IDisposable
{
    private const int MaxUsernameKeyLength = 64;

    private readonly RateLimitOptions.LoginLimits options;
    private readonly bool enabled;
    private readonly TimeProvider clock;
    private readonly PartitionedRateLimiter<string> window;
    private readonly ConcurrentDictionary<string, Failures> failures = new(StringComparer.Ordinal);
    private long lastSweepTicks;

    public LoginThrottle(IOptions<RateLimitOptions> options, TimeProvider clock)
    {
        this.options = options.Value.Login;
        enabled = options.Value.Enabled && this.options.Enabled;
        this.clock = clock;
        var login = this.options;
        // Idle partitions (a full window again) are dropped by the partitioned limiter itself.
        window = PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetFixedWindowLimiter(key, _ =>
            new FixedWindowRateLimiterOptions { PermitLimit = login.PermitLimit, Window = login.Window, QueueLimit = 0 }));
    }

    /// <summary>The throttle's key for a sign-in attempt.</summary>
    public static string Key(string username, IPAddress? address)
    {
        // Valid names by their account key (case-insensitive); anything else cut short, so that a long junk name costs
        // no more memory than a real one.
        var name = AccountRules.IsValidUsername(username)
            ? AccountRules.Key(username)
            : username[..Math.Min(username.Length, MaxUsernameKeyLength)].ToLowerInvariant();
        return name + "|" + ClientAddress.Key(address);
    }

    /// <summary>Null when the attempt may go ahead; otherwise how long until the next one may.</summary>
    /// <summary>The 429 for a locked-out or exhausted key, with Retry-After.</summary>
    public static TooManyRequestsProblem TooMany(HttpContext http, TimeSpan wait)
    {
        http.Response.Headers.RetryAfter = ApiRateLimits.RetryAfterSeconds(wait).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem.TooManyRequests(
            "Too many password attempts for this username from this address; retry after the time in Retry-After.");
    }

    public TimeSpan? TryBegin(string key)
    {
        if (!enabled)
        {
            return null;
        }
        if (failures.TryGetValue(key, out var entry))
        {
            lock (entry)
            {
                var remaining = entry.LockedUntil - clock.GetUtcNow();
                if (remaining > TimeSpan.Zero)
                {
                    return remaining;
                }
            }
        }
        using var lease = window.AttemptAcquire(key);
        if (lease.IsAcquired)
        {
            return null;
        }
        return lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : options.Window;
    }

    /// <summary>A wrong password (or an unknown username): counts towards, and perhaps starts or lengthens, a lockout.</summary>
    public void Failed(string key)
    {
        if (!enabled)
        {
            return;
        }
        var now = clock.GetUtcNow();
        Sweep(now);
        var entry = failures.GetOrAdd(key, _ => new Failures());
        lock (entry)
        {
            if (now - entry.LastFailure > options.FailureMemory)
            {
                entry.Count = 0;
            }
            entry.Count++;
            entry.LastFailure = now;
            if (entry.Count >= options.FailuresBeforeLockout)
            {
                // The n-th failure past the threshold locks for Lockout * 2^n, capped.
                var doublings = Math.Min(entry.Count - options.FailuresBeforeLockout, 30);
                var lockout = TimeSpan.FromTicks((long)Math.Min(options.Lockout.Ticks * Math.Pow(2, doublings), options.MaxLockout.Ticks));
                entry.LockedUntil = now + lockout;
            }
        }
    }

    /// <summary>A successful sign-in forgets the failures.</summary>
    public void Succeeded(string key)
    {
        if (enabled)
        {
            failures.TryRemove(key, out _);
        }
    }

    /// <summary>At most once a minute: drops entries with no lockout running and no failure within FailureMemory.</summary>
    private void Sweep(DateTimeOffset now)
    {
        var last = Interlocked.Read(ref lastSweepTicks);
        if (now.UtcTicks - last < TimeSpan.TicksPerMinute || Interlocked.CompareExchange(ref lastSweepTicks, now.UtcTicks, last) != last)
        {
            return;
        }
        foreach (var (key, entry) in failures)
        {
            bool stale;
            lock (entry)
            {
                stale = entry.LockedUntil <= now && now - entry.LastFailure > options.FailureMemory;
            }
            if (stale)
            {
                failures.TryRemove(new KeyValuePair<string, Failures>(key, entry));
            }
        }
    }

    public void Dispose() => window.Dispose();

    private sealed class Failures
    {
        public int Count;
        public DateTimeOffset LastFailure;
        public DateTimeOffset LockedUntil;
    }
}
