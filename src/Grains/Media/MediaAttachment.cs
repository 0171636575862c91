namespace Herenow.Grains.Media;

/// <summary>
/// A photo as a check-in shows it: copied into the check-in record when it is attached, so showing a check-in (every
/// feed row) needs no media lookup. Media never change after upload, so the copy cannot go stale.
/// </summary>
[GenerateSerializer, Immutable, Alias("herenow.media-attachment")]
public sealed record MediaAttachment(
    [property: Id(0)] string Id,
    [property: Id(1)] string? Description,
    [property: Id(2)] string Blurhash,
    [property: Id(3)] int Width,
    [property: Id(4)] int Height,
    // Blob keys ("<sha256>.<ext>"): the served URLs are derived from them (the API's MediaUrls).
    [property: Id(5)] string DisplayKey,
    [property: Id(6)] string PreviewKey);
