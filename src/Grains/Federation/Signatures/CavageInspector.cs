using System.Globalization;
using System.Text;

namespace Herenow.Grains.Federation.Signatures;

/// <summary>
/// draft-cavage-http-signatures-12 inbound. Requires (request-target), host, date or (created), and digest when there
/// is a body (Mastodon's rules). Accepts algorithm rsa-sha256, hs2019 or none (all RSA-SHA256 for an RSA key).
/// </summary>
internal static class CavageInspector
{
    public static SignatureCheck Inspect(SignedRequest request, string header, DateTimeOffset now)
    {
        var fields = ParseFields(header);
        if (fields is null)
        {
            return new SignatureCheck.Invalid("malformed Signature header");
        }
        if (!fields.TryGetValue("keyId", out var keyId) || keyId.Length == 0)
        {
            return new SignatureCheck.Invalid("Signature has no keyId");
        }
        if (!fields.TryGetValue("signature", out var encoded) || !TryBase64(encoded, out var signature))
        {
            return new SignatureCheck.Invalid("Signature has no valid signature");
        }
        if (fields.TryGetValue("algorithm", out var algorithm) &&
            !algorithm.Equals("rsa-sha256", StringComparison.OrdinalIgnoreCase) &&
            !algorithm.Equals("hs2019", StringComparison.OrdinalIgnoreCase))
        {
            return new SignatureCheck.Invalid($"unsupported algorithm {algorithm}");
        }

        // The draft's default when headers is absent is "date" alone, which the coverage rules below refuse.
        var names = (fields.GetValueOrDefault("headers") ?? "date")
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(n => n.ToLowerInvariant())
            .ToList();
        var hasBody = !request.Body.IsEmpty;
        if (!names.Contains("(request-target)") || !names.Contains("host"))
        {
            return new SignatureCheck.Invalid("Signature must cover (request-target) and host");
        }
        if (!names.Contains("date") && !names.Contains("(created)"))
        {
            return new SignatureCheck.Invalid("Signature must cover date or (created)");
        }
        if (hasBody && !names.Contains("digest"))
        {
            return new SignatureCheck.Invalid("Signature must cover digest when there is a body");
        }

        long? created = null;
        long? expires = null;
        if (fields.TryGetValue("created", out var createdText))
        {
            if (!long.TryParse(createdText, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return new SignatureCheck.Invalid("malformed created");
            }
            created = value;
            if (SignatureVerifier.CheckCreated(value, now) is { } stale)
            {
                return new SignatureCheck.Invalid(stale);
            }
        }
        if (fields.TryGetValue("expires", out var expiresText))
        {
            if (!long.TryParse(expiresText, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            {
                return new SignatureCheck.Invalid("malformed expires");
            }
            expires = value;
            if (SignatureVerifier.CheckExpires(value, now) is { } expired)
            {
                return new SignatureCheck.Invalid(expired);
            }
        }
        if (names.Contains("date"))
        {
            var dateText = request.Header("date");
            if (dateText is null || !TryParseHttpDate(dateText.Trim(), out var date))
            {
                return new SignatureCheck.Invalid("missing or malformed Date header");
            }
            if ((now - date).Duration() > SignatureVerifier.MaxAge)
            {
                return new SignatureCheck.Invalid("Date is more than 12 hours from now");
            }
        }

        var digestHeader = request.Header("digest");
        if (digestHeader is not null && BodyDigest.CheckDigest(digestHeader, request.Body.Span) is { } digestError)
        {
            return new SignatureCheck.Invalid(digestError);
        }
        if (hasBody && digestHeader is null)
        {
            return new SignatureCheck.Invalid("a body without a Digest header");
        }

        var uri = request.TargetUri;
        var method = request.Method.ToLowerInvariant();
        var lines = new StringBuilder();
        var withoutQuery = uri.Query.Length > 0 ? new StringBuilder() : null;
        foreach (var name in names)
        {
            string? value = name switch
            {
                "(request-target)" => method + " " + TargetComponents.PathAndQuery(uri),
                "(created)" => created?.ToString(CultureInfo.InvariantCulture),
                "(expires)" => expires?.ToString(CultureInfo.InvariantCulture),
                _ when name.StartsWith('(') => null,
                _ => SignatureVerifier.HeaderValue(request, name),
            };
            if (value is null)
            {
                return new SignatureCheck.Invalid($"covered {name} is missing");
            }
            var separator = lines.Length > 0 ? "\n" : "";
            lines.Append(separator).Append(name).Append(": ").Append(value);
            withoutQuery?.Append(separator).Append(name).Append(": ")
                .Append(name == "(request-target)" ? method + " " + TargetComponents.Path(uri) : value);
        }
        return new SignatureCheck.Candidate(keyId, SignatureScheme.DraftCavage, Encoding.UTF8.GetBytes(lines.ToString()), signature)
        {
            AlternateSignatureBase = withoutQuery is null ? null : Encoding.UTF8.GetBytes(withoutQuery.ToString()),
        };
    }

    /// <summary>Parses name="value" (or name=123) pairs separated by commas; null when malformed.</summary>
    internal static Dictionary<string, string>? ParseFields(string header)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var i = 0;
        while (true)
        {
            while (i < header.Length && header[i] is ' ' or '\t' or ',')
            {
                i++;
            }
            if (i >= header.Length)
            {
                return fields.Count == 0 ? null : fields;
            }
            var nameStart = i;
            while (i < header.Length && char.IsAsciiLetterOrDigit(header[i]))
            {
                i++;
            }
            if (i == nameStart || i >= header.Length || header[i] != '=')
            {
                return null;
            }
            var name = header[nameStart..i];
            i++;
            string value;
            if (i < header.Length && header[i] == '"')
            {
                var end = header.IndexOf('"', i + 1);
                if (end < 0)
                {
                    return null;
                }
                value = header[(i + 1)..end];
                i = end + 1;
            }
            else
            {
                var end = header.IndexOf(',', i);
                end = end < 0 ? header.Length : end;
                value = header[i..end].Trim();
                i = end;
            }
            if (!fields.TryAdd(name, value))
            {
                return null;
            }
            while (i < header.Length && header[i] is ' ' or '\t')
            {
                i++;
            }
            if (i < header.Length && header[i] != ',')
            {
                return null;
            }
        }
    }

    private static bool TryBase64(string text, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromBase64String(text);
            return bytes.Length > 0;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }

    private static bool TryParseHttpDate(string text, out DateTimeOffset date) =>
        DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal, out date) ||
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out date);
}
