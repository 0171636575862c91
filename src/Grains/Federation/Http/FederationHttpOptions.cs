namespace Herenow.Grains.Federation.Http;

/// <summary>Limits for calls to other servers.</summary>
public sealed class FederationHttpOptions
{
    /// <summary>Lets fetches reach loopback and private addresses, and plain http://. Tests and local peers only.</summary>
    public bool AllowPrivateNetworks { get; set; }

    /// <summary>Bounds the whole call (redirects and the double knock included) and each connect.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The largest response body read; a larger one is refused.</summary>
    public long MaxResponseBytes { get; set; } = 1_048_576;

    public string UserAgent { get; set; } = "Herenow/1.0";
}
