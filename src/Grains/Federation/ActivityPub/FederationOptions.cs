namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>
/// <c>Herenow:Federation</c>, read by the silos (which render and deliver activities) and the API (which serves and
/// receives them); both must agree on <see cref="PublicUrl"/>, the origin in every id we mint.
/// </summary>
public sealed class FederationOptions
{
    public const string Section = "Herenow:Federation";

    /// <summary>The public origin (scheme, host, port) of the API, e.g. https://herenow.example.</summary>
    public Uri PublicUrl { get; set; } = new("http://127.0.0.1:5080");

    /// <summary>Lets remote fetches reach loopback and private addresses (and plain http): tests and local peers only.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Attempts per delivery before it is given up (Mastodon: 16, about 2-3 days).</summary>
    public int MaxAttempts { get; set; } = 16;

    /// <summary>Backoff: attempt n waits a uniformly random time in [0, min(MaxDelay, BaseDelay·2^(n-1))] (full jitter).</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Consecutive failures to one domain that open its circuit, and how long it stays open.</summary>
    public int BreakerThreshold { get; set; } = 10;

    public TimeSpan BreakerOpenFor { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Deliveries in flight to one domain at a time.</summary>
    public int ConcurrencyPerDomain { get; set; } = 4;

    /// <summary>How often a domain with queued work looks for due deliveries while active.</summary>
    public TimeSpan PollPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Host, with the port when it is not the scheme's default: the "domain" of acct: handles.</summary>
    public string Host => PublicUrl.IsDefaultPort ? PublicUrl.Host : $"{PublicUrl.Host}:{PublicUrl.Port}";

    /// <summary>
    /// Whether this node federates. A plain-http origin cannot be verified by real servers and would leak signed
    /// activities in clear text, so it federates only together with <see cref="AllowPrivateNetworks"/> (tests, local
    /// peers); otherwise the service runs without federation and says so at start.
    /// </summary>
    public bool Active => PublicUrl.Scheme == "https" || AllowPrivateNetworks;

    /// <summary>Why these options cannot run at all, or null.</summary>
    public string? Problem() =>
        PublicUrl is not { IsAbsoluteUri: true } || (PublicUrl.Scheme != "https" && PublicUrl.Scheme != "http") || PublicUrl.AbsolutePath != "/"
            ? "Herenow:Federation:PublicUrl must be an absolute http(s) origin without a path, e.g. https://herenow.example."
            : MaxAttempts < 1 || BaseDelay <= TimeSpan.Zero || MaxDelay < BaseDelay || BreakerThreshold < 1 || ConcurrencyPerDomain < 1
                || BreakerOpenFor <= TimeSpan.Zero || PollPeriod <= TimeSpan.Zero
                ? "Herenow:Federation delivery settings must be positive (and MaxDelay at least BaseDelay)."
                : null;
}
