using System.Security.Cryptography;

namespace Herenow.Grains.Federation.Signatures;

/// <summary>
/// The body hashes the two schemes carry: Digest (RFC 3230, draft-cavage) and Content-Digest (RFC 9530, RFC 9421).
/// A check passes only when at least one supported algorithm is present and every supported one matches; unknown
/// algorithms are ignored (a sender may add one we do not know next to sha-256).
/// </summary>
internal static class BodyDigest
{
    public static string DigestHeader(ReadOnlySpan<byte> body) => "SHA-256=" + Convert.ToBase64String(SHA256.HashData(body));

    public static string ContentDigestHeader(ReadOnlySpan<byte> body) => "sha-256=:" + Convert.ToBase64String(SHA256.HashData(body)) + ":";

    /// <summary>Checks a Digest header value against the body; null when it matches, else the reason.</summary>
    public static string? CheckDigest(string header, ReadOnlySpan<byte> body)
    {
        var supported = 0;
        foreach (var part in header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            // Split at the first '=': the base64 value has its own '=' padding.
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                return "malformed Digest header";
            }
            var hash = Hash(part[..equals].Trim(), body);
            if (hash is null)
            {
                continue;
            }
            supported++;
            if (!Matches(part[(equals + 1)..].Trim(), hash))
            {
                return "Digest does not match the body";
            }
        }
        return supported == 0 ? "Digest has no supported algorithm (sha-256, sha-512)" : null;
    }

    /// <summary>Checks a Content-Digest header value against the body; null when it matches, else the reason.</summary>
    public static string? CheckContentDigest(string header, ReadOnlySpan<byte> body)
    {
        List<KeyValuePair<string, SfMember>> members;
        try
        {
            members = StructuredFieldParser.ParseDictionary(header);
        }
        catch (FormatException)
        {
            return "malformed Content-Digest header";
        }
        var supported = 0;
        foreach (var (algorithm, member) in members)
        {
            var hash = Hash(algorithm, body);
            if (hash is null)
            {
                continue;
            }
            supported++;
            if (member.Item is not { Value: { Kind: SfKind.ByteSequence, Bytes: { } bytes } } ||
                !CryptographicOperations.FixedTimeEquals(bytes, hash))
            {
                return "Content-Digest does not match the body";
            }
        }
        return supported == 0 ? "Content-Digest has no supported algorithm (sha-256, sha-512)" : null;
    }

    private static byte[]? Hash(string algorithm, ReadOnlySpan<byte> body) => algorithm.ToUpperInvariant() switch
    {
        "SHA-256" => SHA256.HashData(body),
        "SHA-512" => SHA512.HashData(body),
        _ => null,
    };

    private static bool Matches(string base64, byte[] hash)
    {
        Span<byte> decoded = stackalloc byte[64];
        return Convert.TryFromBase64String(base64, decoded, out var written) &&
            CryptographicOperations.FixedTimeEquals(decoded[..written], hash);
    }
}
