using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Herenow.Api.Media;

/// <summary>
/// Blob keys are "&lt;SHA-256 of the content, lower-case hex&gt;.&lt;extension&gt;": the same bytes get the same key,
/// the hash is the strong ETag, and 256 bits make a served URL unguessable without the bytes themselves.
/// </summary>
public static partial class BlobKeys
{
    public static string For(byte[] content, ImageFormat format) =>
        $"{Convert.ToHexStringLower(SHA256.HashData(content))}.{format.Extension}";

    public static bool IsValid(string? key) => key is not null && KeyPattern().IsMatch(key);

    /// <summary>The content hash part of a key: the ETag.</summary>
    public static string Hash(string key) => key[..64];

    /// <summary>
    /// The advisory lock (two-key form, class <see cref="LockClass"/>) that orders an upload's put-then-reference against
    /// the clean-up's check-then-delete of the same key (<see cref="MediaStore"/>). Collisions only serialise more.
    /// </summary>
    public static int LockId(string key) => BinaryPrimitives.ReadInt32BigEndian(Convert.FromHexString(key.AsSpan(0, 8)));

    /// <summary>"MEDI": advisory locks of media blobs; the two-key form never collides with the migrator's one-key lock.</summary>
    public const int LockClass = 0x4D45_4449;

    [GeneratedRegex("^[0-9a-f]{64}\\.(jpg|png)$", RegexOptions.CultureInvariant)]
    private static partial Regex KeyPattern();
}
