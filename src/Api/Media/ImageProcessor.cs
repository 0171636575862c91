using NetVips;
using Vips = NetVips.NetVips;

namespace Herenow.Api.Media;

/// <summary>What an upload becomes: a display image, a preview, and what clients need before loading either.</summary>
public sealed record ProcessedImage(
    byte[] Display, byte[] Preview, ImageFormat Format, int Width, int Height, string Blurhash);

/// <summary>An upload that is not an acceptable image; <see cref="Status"/> is 415 or 422.</summary>
public sealed class ImageRejectedException(int status, string title, string detail) : Exception(detail)
{
    public int Status { get; } = status;
    public string Title { get; } = title;
}

/// <summary>
/// Decodes an upload with libvips (NetVips, docs/adr/0017-media-pipeline.md) and re-encodes it so that nothing but
/// pixels survives: EXIF (with GPS), XMP, IPTC, ICC profiles and comments are never copied. EXIF orientation is
/// applied first, so the pixels stand upright without the tag. Runs in the API process, off any grain.
/// </summary>
public sealed class ImageProcessor : IDisposable
{
    private const int JpegQuality = 85;

    // At most one image per core at a time: each decode holds up to a display-size bitmap plus codec buffers, and a
    // burst of uploads should queue rather than take the API's memory and CPU from every other request.
    private readonly SemaphoreSlim gate = new(Math.Max(1, Environment.ProcessorCount));

    static ImageProcessor()
    {
        // A server decodes each upload once: libvips' operation cache would only keep those bitmaps alive.
        Cache.Max = 0;
        // One thread per image; parallelism comes from concurrent uploads (and the gate above bounds those).
        Vips.Concurrency = 1;
        // Only loaders fuzzed for hostile input may run (JPEG, PNG, WebP are); the magic-byte check comes first anyway.
        Vips.BlockUntrusted = true;
    }

    public async Task<ProcessedImage> ProcessAsync(byte[] upload, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            return Process(upload);
        }
        finally
        {
            gate.Release();
        }
    }

    public void Dispose() => gate.Dispose();

    private static ProcessedImage Process(byte[] upload)
    {
        var format = ImageFormat.Sniff(upload) ?? throw new ImageRejectedException(415, "Unsupported media type",
            "The file is not a JPEG, PNG or WebP image (judged by its content, not its name or declared type).");

        // Header only: libvips reads dimensions without decoding a pixel, so a bomb is refused before it costs memory.
        bool hasProfile;
        using (var header = Load(() => Image.NewFromBuffer(upload, access: Enums.Access.Sequential, failOn: Enums.FailOn.Error)))
        {
            if (header.Get("vips-loader") is not string loader || loader != format.Loader)
            {
                throw Undecodable();
            }
            if ((long)header.Width * header.Height > MediaLimits.MaxPixels)
            {
                throw new ImageRejectedException(422, "Image too large",
                    $"The image is {header.Width}x{header.Height} pixels; at most {MediaLimits.MaxPixels / 1_000_000} megapixels are accepted.");
            }
            hasProfile = header.GetTypeOf("icc-profile-data") != 0;
        }

        // Shrink-on-load (JPEG and WebP decode straight at a fraction of the size), upright by the EXIF orientation, never
        // enlarged. fail_on goes to the loader: a truncated or corrupt file is an error, not an image padded with grey.
        // A file with a colour profile (a phone's Display P3) is converted to sRGB, since the profile is not kept; without
        // one the pixels are sRGB already and the transform would only cost time (it doubles the decode).
        using var thumbnail = Load(() => Image.ThumbnailBuffer(upload, MediaLimits.DisplaySize, optionString: "fail_on=error",
            height: MediaLimits.DisplaySize, size: Enums.Size.Down, outputProfile: hasProfile ? "srgb" : null));
        // The one pass over the file (sequential: the loader cannot be read twice); what follows works in memory.
        using var decoded = Load(() => ToSrgb(thumbnail).CopyMemory());
        // An alpha band with nothing transparent (common in PNG exports) is dropped, so the photo becomes a JPEG.
        using var opaque = decoded.HasAlpha() && decoded[decoded.Bands - 1].Min() >= 255
            ? decoded.ExtractBand(0, n: decoded.Bands - 1)
            : null;
        var display = opaque ?? decoded;
        var keepAlpha = display.HasAlpha();
        using var preview = display.ThumbnailImage(MediaLimits.PreviewSize, height: MediaLimits.PreviewSize, size: Enums.Size.Down)
            .CopyMemory();

        var outputFormat = keepAlpha ? ImageFormat.Png : ImageFormat.Jpeg;
        return new ProcessedImage(Encode(display, keepAlpha), Encode(preview, keepAlpha), outputFormat,
            display.Width, display.Height, BlurhashOf(preview));
    }

    /// <summary>8-bit sRGB (grey, 16-bit and CMYK sources included), alpha kept.</summary>
    private static Image ToSrgb(Image image) =>
        image.Interpretation == Enums.Interpretation.Srgb && image.Format == Enums.BandFormat.Uchar
            ? image.Copy()
            : image.Colourspace(Enums.Interpretation.Srgb);

    /// <summary>
    /// Opaque images as JPEG (q 85, progressive: what every client and fediverse server reads, a fraction of PNG's
    /// size for photos); images with transparency as PNG, so the transparency survives. <c>keep: None</c> writes no
    /// metadata of any kind.
    /// </summary>
    private static byte[] Encode(Image image, bool png) => png
        ? image.PngsaveBuffer(keep: Enums.ForeignKeep.None)
        : image.JpegsaveBuffer(q: JpegQuality, optimizeCoding: true, interlace: true, keep: Enums.ForeignKeep.None);

    private static string BlurhashOf(Image preview)
    {
        // Transparent areas count as white, as most clients draw them on a light background.
        using var rgb = preview.HasAlpha() ? preview.Flatten(background: [255, 255, 255]) : preview.Copy();
        using var uchar = rgb.Cast(Enums.BandFormat.Uchar);
        var pixels = uchar.WriteToMemory<byte>();
        return rgb.Width >= rgb.Height
            ? Blurhash.Encode(pixels, uchar.Width, uchar.Height, 4, 3)
            : Blurhash.Encode(pixels, uchar.Width, uchar.Height, 3, 4);
    }

    private static Image Load(Func<Image> load)
    {
        try
        {
            return load();
        }
        catch (VipsException)
        {
            throw Undecodable();
        }
    }

    private static ImageRejectedException Undecodable() => new(422, "Image not decodable",
        "The file starts like an image but cannot be decoded: it is truncated or corrupt.");
}
