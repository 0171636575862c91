using System.Security.Cryptography;

namespace Herenow.Grains.Federation.Signatures;

/// <summary>
/// Checks incoming signatures in two steps: <see cref="Inspect"/> parses the headers, checks freshness, coverage and the
/// body digest, and builds the signature base without any I/O; the caller then fetches the key named by the
/// candidate's KeyId and calls <see cref="Verify"/>. When both schemes' headers are present, RFC 9421 wins.
/// </summary>
public static class SignatureVerifier
{
    /// <summary>How old a Date or created may be (Mastodon's window).</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(12);

    /// <summary>How far in the future a created may be (clock skew).</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromMinutes(5);

    public static SignatureCheck Inspect(SignedRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Header("signature-input") is { } input)
        {
            return Rfc9421Inspector.Inspect(request, input, request.Header("signature"), now);
        }
        if (request.Header("signature") is { } signature)
        {
            return CavageInspector.Inspect(request, signature, now);
        }
        return new SignatureCheck.Unsigned();
    }

    /// <summary>
    /// RSA PKCS#1 v1.5 SHA-256 over the candidate's signature base (then its alternate base, if any).
    /// <paramref name="publicKeyPem"/> is SPKI ("BEGIN PUBLIC KEY") or PKCS#1 ("BEGIN RSA PUBLIC KEY"). False on any malformed key.
    /// </summary>
    public static bool Verify(SignatureCheck.Candidate candidate, string publicKeyPem)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        if (string.IsNullOrWhiteSpace(publicKeyPem))
        {
            return false;
        }
        try
        {
            using var rsa = RSA.Create();
            rsa.ImportFromPem(publicKeyPem);
            return rsa.VerifyData(candidate.SignatureBase, candidate.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1) ||
                (candidate.AlternateSignatureBase is { } alternate &&
                 rsa.VerifyData(alternate, candidate.Signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    internal static string? CheckCreated(long created, DateTimeOffset now)
    {
        var at = DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(created, -62135596800, 253402300799));
        if (at > now + MaxFutureSkew)
        {
            return "signature created in the future";
        }
        return at < now - MaxAge ? "signature created more than 12 hours ago" : null;
    }

    internal static string? CheckExpires(long expires, DateTimeOffset now) =>
        now.ToUnixTimeSeconds() > expires ? "signature expired" : null;

    /// <summary>A header looked up, or for Host the target's authority (HTTP/2 carries it as :authority).</summary>
    internal static string? HeaderValue(SignedRequest request, string name)
    {
        var value = request.Header(name);
        if (value is null && name == "host")
        {
            return TargetComponents.Authority(request.TargetUri);
        }
        return value?.Trim();
    }
}
