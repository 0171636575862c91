using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Herenow.Grains.Federation.Signatures;

/// <summary>Signs outgoing federation requests with either scheme, RSA PKCS#1 v1.5 SHA-256.</summary>
public static class HttpSignatures
{
    /// <summary>The label of the one RFC 9421 signature this server adds.</summary>
    public const string Rfc9421Label = "sig1";

    /// <summary>
    /// Signs an outgoing request in place: sets Date (both schemes, harmless for 9421) and Host (from RequestUri, so
    /// what is sent is what is signed); for a non-empty body sets Digest (cavage) or Content-Digest (9421); then the
    /// Signature (+ Signature-Input) headers. <paramref name="body"/> must be exactly the bytes sent.
    /// </summary>
    public static void Sign(HttpRequestMessage request, ReadOnlySpan<byte> body, SigningKey key, SignatureScheme scheme, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(key);
        var uri = request.RequestUri;
        if (uri is null || !uri.IsAbsoluteUri)
        {
            throw new ArgumentException("The request needs an absolute RequestUri to be signed.", nameof(request));
        }

        var host = TargetComponents.Authority(uri);
        request.Headers.Host = host;
        var date = now.ToUniversalTime().ToString("r", CultureInfo.InvariantCulture);
        // A request signed again (the double knock builds a new one, but a caller may not) carries no stale parts.
        request.Headers.Remove("Date");
        foreach (var name in (string[])["Signature", "Signature-Input", "Digest", "Content-Digest"])
        {
            request.Headers.Remove(name);
            request.Content?.Headers.Remove(name);
        }
        request.Headers.TryAddWithoutValidation("Date", date);

        using var rsa = RSA.Create();
        rsa.ImportFromPem(key.PrivateKeyPem);
        if (scheme == SignatureScheme.DraftCavage)
        {
            SignCavage(request, body, key, uri, host, date, rsa);
        }
        else
        {
            SignRfc9421(request, body, key, uri, now, rsa);
        }
    }

    private static void SignCavage(HttpRequestMessage request, ReadOnlySpan<byte> body, SigningKey key, Uri uri, string host, string date, RSA rsa)
    {
        var names = "(request-target) host date";
        var signed = new StringBuilder()
            .Append("(request-target): ").Append(request.Method.Method.ToLowerInvariant()).Append(' ').Append(TargetComponents.PathAndQuery(uri))
            .Append("\nhost: ").Append(host)
            .Append("\ndate: ").Append(date);
        if (!body.IsEmpty)
        {
            var digest = BodyDigest.DigestHeader(body);
            AddHeader(request, "Digest", digest);
            signed.Append("\ndigest: ").Append(digest);
            names += " digest";
        }
        var signature = rsa.SignData(Encoding.UTF8.GetBytes(signed.ToString()), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.Headers.TryAddWithoutValidation(
            "Signature",
            $"keyId=\"{key.KeyId}\",algorithm=\"rsa-sha256\",headers=\"{names}\",signature=\"{Convert.ToBase64String(signature)}\"");
    }

    private static void SignRfc9421(HttpRequestMessage request, ReadOnlySpan<byte> body, SigningKey key, Uri uri, DateTimeOffset now, RSA rsa)
    {
        var components = new List<SfItem>
        {
            new(SfBareItem.OfString("@method"), []),
            new(SfBareItem.OfString("@target-uri"), []),
        };
        var signed = new StringBuilder()
            .Append("\"@method\": ").Append(request.Method.Method)
            .Append("\n\"@target-uri\": ").Append(TargetComponents.TargetUri(uri))
            .Append('\n');
        if (!body.IsEmpty)
        {
            var digest = BodyDigest.ContentDigestHeader(body);
            AddHeader(request, "Content-Digest", digest);
            components.Add(new(SfBareItem.OfString("content-digest"), []));
            signed.Append("\"content-digest\": ").Append(digest).Append('\n');
        }
        var parameters = new SfMember(null, components,
        [
            new("created", SfBareItem.OfInteger(now.ToUnixTimeSeconds())),
            new("keyid", SfBareItem.OfString(key.KeyId)),
            new("alg", SfBareItem.OfString("rsa-v1_5-sha256")),
        ]).SerializeInnerList();
        signed.Append("\"@signature-params\": ").Append(parameters);
        var signature = rsa.SignData(Encoding.UTF8.GetBytes(signed.ToString()), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.Headers.TryAddWithoutValidation("Signature-Input", $"{Rfc9421Label}={parameters}");
        request.Headers.TryAddWithoutValidation("Signature", $"{Rfc9421Label}=:{Convert.ToBase64String(signature)}:");
    }

    // Digest and Content-Digest are not headers .NET knows, so they go on the request; should a runtime ever class
    // one as a content header, the request collection refuses it and the content's takes it.
    private static void AddHeader(HttpRequestMessage request, string name, string value)
    {
        if (!request.Headers.TryAddWithoutValidation(name, value))
        {
            request.Content?.Headers.TryAddWithoutValidation(name, value);
        }
    }
}
