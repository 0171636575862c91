using System.Diagnostics.CodeAnalysis;
using System.Net;

namespace Herenow.Grains.Federation.Http;

/// <summary>The result of one remote call: the status, the body read up to the limit, the content type, and Retry-After if sent.</summary>
[SuppressMessage("Performance", "CA1819:Properties should not return arrays", Justification = "The raw body, parsed by the caller.")]
public sealed record RemoteResponse(HttpStatusCode Status, byte[] Body, string? ContentType, TimeSpan? RetryAfter)
{
    public bool IsSuccess => (int)Status is >= 200 and < 300;
}
