namespace Herenow.Api.Security;

/// <summary>
/// Rate limits (configuration section "Herenow:RateLimits"). Every limiter can be turned off on its own
/// (<c>Enabled: false</c>), and all of them at once with <see cref="Enabled"/>. The counters live in each API
/// process: with several API instances behind a balancer, a client gets up to that many times the budget.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Herenow:RateLimits";

    /// <summary>Master switch: false turns every limiter below off (the login lockout included).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// POST/PUT/PATCH/DELETE under /api/v1 by a signed-in caller, per account: 60 at once, then one a second
    /// (60 a minute sustained).
    /// </summary>
    public TokenBucket Writes { get; set; } = new() { TokenLimit = 60, TokensPerPeriod = 1, ReplenishmentPeriod = TimeSpan.FromSeconds(1) };

    /// <summary>
    /// Every request without a (valid) access token, per client IP: 300 at once, then five a second (300 a minute).
    /// Health probes and the inboxes are not counted here.
    /// </summary>
    public TokenBucket Anonymous { get; set; } = new() { TokenLimit = 300, TokensPerPeriod = 5, ReplenishmentPeriod = TimeSpan.FromSeconds(1) };

    /// <summary>
    /// POST /inbox and /users/{username}/inbox, per remote server IP: generous (a busy instance delivers bursts),
    /// 1000 at once, then 50 a second.
    /// </summary>
    public TokenBucket Inbox { get; set; } = new() { TokenLimit = 1000, TokensPerPeriod = 50, ReplenishmentPeriod = TimeSpan.FromSeconds(1) };

    /// <summary>POST /api/v1/accounts (sign-up attempts), per client IP: 5 an hour.</summary>
    public FixedWindow SignUp { get; set; } = new() { PermitLimit = 5, Window = TimeSpan.FromHours(1) };

    /// <summary>POST /api/v1/sessions, per username and client IP: an attempt window plus a lockout after failures.</summary>
    public LoginLimits Login { get; set; } = new();

    public sealed class TokenBucket
    {
        public bool Enabled { get; set; } = true;

        /// <summary>The burst: how many requests may come at once.</summary>
        public int TokenLimit { get; set; }

        /// <summary>Requests added back every <see cref="ReplenishmentPeriod"/> (the sustained rate).</summary>
        public int TokensPerPeriod { get; set; }

        public TimeSpan ReplenishmentPeriod { get; set; }

        internal bool Valid => TokenLimit > 0 && TokensPerPeriod > 0 && ReplenishmentPeriod > TimeSpan.Zero;
    }

    public sealed class FixedWindow
    {
        public bool Enabled { get; set; } = true;

        public int PermitLimit { get; set; }

        public TimeSpan Window { get; set; }

        internal bool Valid => PermitLimit > 0 && Window > TimeSpan.Zero;
    }

    public sealed class LoginLimits
    {
        public bool Enabled { get; set; } = true;

        /// <summary>Attempts (right or wrong) per username and IP per <see cref="Window"/>: 20 per 15 minutes.</summary>
        public int PermitLimit { get; set; } = 20;

        public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

        /// <summary>Consecutive failures after which the username is locked for this IP.</summary>
        public int FailuresBeforeLockout { get; set; } = 5;

        /// <summary>The first lockout; each further failure after a lockout doubles it.</summary>
        public TimeSpan Lockout { get; set; } = TimeSpan.FromMinutes(1);

        /// <summary>The longest lockout.</summary>
        public TimeSpan MaxLockout { get; set; } = TimeSpan.FromMinutes(15);

        /// <summary>Failures are forgotten after this long without another one (and a successful sign-in forgets them at once).</summary>
        public TimeSpan FailureMemory { get; set; } = TimeSpan.FromHours(1);

        internal bool Valid => PermitLimit > 0 && Window > TimeSpan.Zero && FailuresBeforeLockout > 0
                               && Lockout > TimeSpan.Zero && MaxLockout >= Lockout && FailureMemory > TimeSpan.Zero;
    }

    internal bool Valid => Writes.Valid && Anonymous.Valid && Inbox.Valid && SignUp.Valid && Login.Valid;
}
