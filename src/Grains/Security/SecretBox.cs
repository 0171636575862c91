using System.Security.Cryptography;
using System.Text;

namespace Herenow.Grains.Security;

/// <summary>
/// Encrypts secrets we must keep but never show (an AT Protocol app password) with AES-256-GCM under the key in
/// <c>Herenow:Secrets:Key</c> (32 bytes, base64). The ciphertext is bound to its owner (associated data), so a value
/// copied onto another account's row does not decrypt. Format: version (1) | nonce (12) | tag (16) | ciphertext.
/// </summary>
public sealed class SecretBox
{
    public const string KeySetting = "Herenow:Secrets:Key";
    private const byte Version = 1;
    private readonly byte[]? key;

    public SecretBox(string? base64Key)
    {
        if (string.IsNullOrWhiteSpace(base64Key))
        {
            return;
        }
        key = Convert.FromBase64String(base64Key.Trim());
        if (key.Length != 32)
        {
            throw new ArgumentException($"{KeySetting} must be 32 bytes, base64-encoded.");
        }
    }

    /// <summary>Whether a key is configured; without one nothing can be sealed.</summary>
    public bool Available => key is not null;

    public byte[] Seal(string secret, string owner)
    {
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[1 + 12 + 16 + plain.Length];
        sealedBytes[0] = Version;
        var nonce = sealedBytes.AsSpan(1, 12);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(RequireKey(), 16);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(29), sealedBytes.AsSpan(13, 16), Encoding.UTF8.GetBytes(owner));
        return sealedBytes;
    }

    /// <summary>The secret; throws <see cref="CryptographicException"/> when tampered with, under another key or another owner.</summary>
    public string Open(byte[] sealedBytes, string owner)
    {
        if (sealedBytes.Length < 29 || sealedBytes[0] != Version)
        {
            throw new CryptographicException("Not a sealed secret.");
        }
        var plain = new byte[sealedBytes.Length - 29];
        using var aes = new AesGcm(RequireKey(), 16);
        aes.Decrypt(sealedBytes.AsSpan(1, 12), sealedBytes.AsSpan(29), sealedBytes.AsSpan(13, 16), plain, Encoding.UTF8.GetBytes(owner));
        return Encoding.UTF8.GetString(plain);
    }

    private byte[] RequireKey() => key ?? throw new InvalidOperationException($"No {KeySetting} is configured.");
}
