using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Federation.Signatures;

namespace Herenow.Api.Federation;

/// <summary>
/// Checks an inbox POST's HTTP signature (RFC 9421 or draft-cavage, whichever it carries) and returns the remote
/// actor who signed it. The key comes from the actor cache; when it does not verify, the actor is fetched once
/// more (it may have rotated its key) before the request is refused.
/// </summary>
public sealed class InboxVerifier(RemoteActors actors, FederationOptions options, TimeProvider clock)
{
    public async Task<(RemoteActor? Signer, string? Problem)> VerifyAsync(HttpRequest request, byte[] body, CancellationToken cancellationToken)
    {
        // The target URI as the sender addressed it: our public origin (whatever proxy sits in front) and the request
        // target exactly as sent (not re-encoded), since that is what was signed.
        var raw = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        var target = new Uri(options.PublicUrl, string.IsNullOrEmpty(raw) ? request.Path.ToUriComponent() + request.QueryString.ToUriComponent() : raw);
        var signed = new SignedRequest(request.Method, target, name =>
            request.Headers.TryGetValue(name, out var values) && values.Count > 0 ? string.Join(", ", values.ToArray()) : null, body);
        switch (SignatureVerifier.Inspect(signed, clock.GetUtcNow()))
        {
            case SignatureCheck.Unsigned:
                return (null, "The request is not signed (HTTP signatures: RFC 9421 or draft-cavage).");
            case SignatureCheck.Invalid invalid:
                return (null, "Invalid signature: " + invalid.Reason);
            case SignatureCheck.Candidate candidate:
                var actor = await actors.ByKeyIdAsync(candidate.KeyId, refresh: false, cancellationToken);
                if (actor?.PublicKeyPem is { } pem && SignatureVerifier.Verify(candidate, pem))
                {
                    return (actor, null);
                }
                actor = await actors.ByKeyIdAsync(candidate.KeyId, refresh: true, cancellationToken);
                return actor?.PublicKeyPem is { } fresh && SignatureVerifier.Verify(candidate, fresh)
                    ? (actor, null)
                    : (null, actor is null ? $"The key '{candidate.KeyId}' could not be fetched." : "The signature does not verify.");
            default:
                return (null, "Unsupported signature.");
        }
    }
}
