namespace Herenow.Grains.Sessions;

/// <summary>
/// One bearer token. Key: the SHA-256 of the token (hex), so the token itself is never stored and a lookup is one
/// grain call. Revocation is immediate: the next request with the token reaches this grain and is refused.
/// </summary>
public interface ISessionGrain : IGrainWithStringKey
{
    Task Open(string username);

    /// <summary>The account this token acts for; null when unknown or revoked.</summary>
    Task<string?> GetUsername();

    Task Revoke();
}
