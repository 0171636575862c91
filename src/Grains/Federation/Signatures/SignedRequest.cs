namespace Herenow.Grains.Federation.Signatures;

/// <summary>
/// An incoming request as the verifier needs it. <paramref name="TargetUri"/> is the absolute URL the client addressed
/// (scheme, host and port as the client saw them, path and query exactly as sent on the request line).
/// <paramref name="Header"/> looks a header up case-insensitively and joins multiple values with ", "; null when absent.
/// <paramref name="Body"/> is the raw body bytes (empty when there is none).
/// </summary>
public sealed record SignedRequest(string Method, Uri TargetUri, Func<string, string?> Header, ReadOnlyMemory<byte> Body);
