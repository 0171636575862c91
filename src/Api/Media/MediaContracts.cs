using Herenow.Grains.Media;
using Microsoft.Extensions.Options;

namespace Herenow.Api.Media;

/// <summary>A photo as the API shows it, on its own and in a check-in's <c>media</c> array.</summary>
public sealed record MediaResponse(
    string Id, string Type, string Url, string PreviewUrl, string? Description, string Blurhash, int Width, int Height);

/// <summary>The multipart body of <c>POST /api/v1/media</c>, for the OpenAPI document (the endpoint reads the form itself).</summary>
public sealed record MediaUploadForm(IFormFile File, string? Description = null);

/// <summary>Where a blob is served: <see cref="MediaOptions.BaseUrl"/> + <c>/media/&lt;key&gt;</c>.</summary>
public sealed class MediaUrls(IOptions<MediaOptions> options)
{
    private readonly string baseUrl = options.Value.BaseUrl.TrimEnd('/');

    public string For(string key) => $"{baseUrl}/media/{key}";

    public MediaResponse Response(MediaAttachment media) => new(media.Id, "image", For(media.DisplayKey),
        For(media.PreviewKey), media.Description, media.Blurhash, media.Width, media.Height);
}
