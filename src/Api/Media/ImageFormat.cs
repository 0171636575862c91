namespace Herenow.Api.Media;

/// <summary>An image format as recognised from its first bytes (never from a file name or a Content-Type header).</summary>
public sealed record ImageFormat(string Name, string ContentType, string Extension, string Loader)
{
    public static readonly ImageFormat Jpeg = new("JPEG", "image/jpeg", "jpg", "jpegload_buffer");
    public static readonly ImageFormat Png = new("PNG", "image/png", "png", "pngload_buffer");
    public static readonly ImageFormat WebP = new("WebP", "image/webp", "webp", "webpload_buffer");

    /// <summary>The format the magic bytes announce, or null for anything that is not JPEG, PNG or WebP.</summary>
    public static ImageFormat? Sniff(ReadOnlySpan<byte> bytes)
    {
        if (bytes is [0xFF, 0xD8, 0xFF, ..])
        {
            return Jpeg;
        }
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]))
        {
            return Png;
        }
        if (bytes.Length >= 12 && bytes[..4].SequenceEqual("RIFF"u8) && bytes[8..12].SequenceEqual("WEBP"u8))
        {
            return WebP;
        }
        return null;
    }

    /// <summary>The format of a stored key's extension (keys are only ever made for what we encode).</summary>
    public static ImageFormat? FromExtension(string extension) => extension switch
    {
        "jpg" => Jpeg,
        "png" => Png,
        _ => null,
    };
}
