using System.Text;

namespace Herenow.Grains.Federation.Signatures;

/// <summary>
/// RFC 9421 inbound. Uses the first Signature-Input label that has a matching Signature. Requires keyid and created
/// (without created there is no freshness to check), alg absent or rsa-v1_5-sha256, "@method", the target (see
/// <see cref="CoversTarget"/>), and "content-digest" when there is a body. Components with parameters (";sf", ";req",
/// "@query-param";name=...) are refused: no peer we talk to sends them, and each would need its own derivation.
/// </summary>
internal static class Rfc9421Inspector
{
    public static SignatureCheck Inspect(SignedRequest request, string inputHeader, string? signatureHeader, DateTimeOffset now)
    {
        if (signatureHeader is null)
        {
            return new SignatureCheck.Invalid("Signature-Input without Signature");
        }
        List<KeyValuePair<string, SfMember>> inputs;
        List<KeyValuePair<string, SfMember>> signatures;
        try
        {
            inputs = StructuredFieldParser.ParseDictionary(inputHeader);
            signatures = StructuredFieldParser.ParseDictionary(signatureHeader);
        }
        catch (FormatException error)
        {
            return new SignatureCheck.Invalid($"malformed Signature-Input or Signature: {error.Message}");
        }

        foreach (var (label, input) in inputs)
        {
            var signature = signatures.Find(s => s.Key == label).Value;
            if (input.InnerList is null || signature?.Item is not { Value: { Kind: SfKind.ByteSequence, Bytes: { Length: > 0 } bytes } })
            {
                continue;
            }
            return InspectOne(request, input, bytes, now);
        }
        return new SignatureCheck.Invalid("no Signature-Input label has a matching Signature");
    }

    private static SignatureCheck InspectOne(SignedRequest request, SfMember input, byte[] signature, DateTimeOffset now)
    {
        var parameters = new SfItem(SfBareItem.True, input.Parameters);
        if (parameters.Parameter("keyid") is not { Kind: SfKind.String, Text: { Length: > 0 } keyId })
        {
            return new SignatureCheck.Invalid("signature has no keyid");
        }
        if (parameters.Parameter("alg") is { } alg && alg is not { Kind: SfKind.String, Text: "rsa-v1_5-sha256" })
        {
            return new SignatureCheck.Invalid($"unsupported alg {alg.Text}");
        }
        if (parameters.Parameter("created") is not { Kind: SfKind.Integer, Integer: var created })
        {
            return new SignatureCheck.Invalid("signature has no created");
        }
        if (SignatureVerifier.CheckCreated(created, now) is { } stale)
        {
            return new SignatureCheck.Invalid(stale);
        }
        if (parameters.Parameter("expires") is { } expires &&
            (expires.Kind != SfKind.Integer || SignatureVerifier.CheckExpires(expires.Integer, now) is not null))
        {
            return new SignatureCheck.Invalid("signature expired");
        }

        var components = new List<string>();
        foreach (var item in input.InnerList!)
        {
            if (item.Value.Kind != SfKind.String || item.Parameters.Count > 0)
            {
                return new SignatureCheck.Invalid("unsupported covered component");
            }
            if (components.Contains(item.Value.Text))
            {
                return new SignatureCheck.Invalid($"{item.Value.Text} covered twice");
            }
            components.Add(item.Value.Text);
        }
        var hasBody = !request.Body.IsEmpty;
        if (!components.Contains("@method") || !CoversTarget(components, request.TargetUri))
        {
            return new SignatureCheck.Invalid("signature must cover @method and @target-uri");
        }
        if (hasBody && !components.Contains("content-digest"))
        {
            return new SignatureCheck.Invalid("signature must cover content-digest when there is a body");
        }

        var digestHeader = request.Header("content-digest");
        if (digestHeader is not null && BodyDigest.CheckContentDigest(digestHeader, request.Body.Span) is { } digestError)
        {
            return new SignatureCheck.Invalid(digestError);
        }
        if (hasBody && digestHeader is null)
        {
            return new SignatureCheck.Invalid("a body without a Content-Digest header");
        }

        var signatureBase = new StringBuilder();
        foreach (var name in components)
        {
            var value = Derive(request, name);
            if (value is null)
            {
                return new SignatureCheck.Invalid($"covered {name} is missing or unsupported");
            }
            signatureBase.Append('"').Append(name).Append("\": ").Append(value).Append('\n');
        }
        signatureBase.Append("\"@signature-params\": ").Append(input.SerializeInnerList());
        return new SignatureCheck.Candidate(keyId, SignatureScheme.Rfc9421, Encoding.UTF8.GetBytes(signatureBase.ToString()), signature);
    }

    /// <summary>
    /// The signature must pin the whole target: "@target-uri"; or the authority ("@authority" or "host") with
    /// "@request-target", or with "@path" and, when the URL has a query, "@query". Otherwise a signed request could be
    /// replayed against another path or query string.
    /// </summary>
    private static bool CoversTarget(List<string> components, Uri target)
    {
        if (components.Contains("@target-uri"))
        {
            return true;
        }
        var authority = components.Contains("@authority") || components.Contains("host");
        var path = components.Contains("@request-target") ||
            (components.Contains("@path") && (target.Query.Length == 0 || components.Contains("@query")));
        return authority && path;
    }

    private static string? Derive(SignedRequest request, string name)
    {
        var uri = request.TargetUri;
        return name switch
        {
            "@method" => request.Method,
            "@target-uri" => TargetComponents.TargetUri(uri),
            "@authority" => TargetComponents.Authority(uri),
            "@scheme" => uri.Scheme.ToLowerInvariant(),
            "@request-target" => TargetComponents.PathAndQuery(uri),
            "@path" => TargetComponents.Path(uri),
            "@query" => TargetComponents.Query(uri),
            _ when name.StartsWith('@') => null,
            _ when name.Any(char.IsAsciiLetterUpper) => null,
            _ => SignatureVerifier.HeaderValue(request, name),
        };
    }
}
