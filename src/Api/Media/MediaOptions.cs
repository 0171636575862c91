namespace Herenow.Api.Media;

/// <summary>Media settings (configuration section "Herenow:Media"). The limits of the contract are constants in <see cref="MediaLimits"/>.</summary>
public sealed class MediaOptions
{
    public const string Section = "Herenow:Media";

    /// <summary>
    /// Prefix of the served URLs (<c>url</c>, <c>preview_url</c>), e.g. <c>https://herenow.example</c> or a CDN in front
    /// of the bucket. Empty: root-relative URLs (<c>/media/...</c>) on this API.
    /// </summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>Media never attached to a check-in are removed once this old.</summary>
    public TimeSpan UnattachedLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often an API instance tries to run the clean-up (one instance at a time runs it).</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromMinutes(10);
}

public static class MediaLimits
{
    /// <summary>Largest accepted file (10 MiB), per the contract.</summary>
    public const long MaxFileBytes = 10 * 1024 * 1024;

    /// <summary>The request may be a little larger than the file: multipart boundaries, headers and the description.</summary>
    public const long MaxRequestBytes = MaxFileBytes + 64 * 1024;

    /// <summary>Decompression-bomb guard, read from the header before any pixel is decoded (a 40 MP RGBA image is 160 MB decoded).</summary>
    public const long MaxPixels = 40_000_000;

    public const int MaxDescriptionLength = 1500;

    /// <summary>Long edge of the display image and of the preview; smaller images are never enlarged.</summary>
    public const int DisplaySize = 1280;
    public const int PreviewSize = 320;
}
