using System.Security.Claims;
using Herenow.Api.Idempotency;
using Herenow.Api.Problems;
using Herenow.Api.Sessions;
using Herenow.Grains.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Net.Http.Headers;

namespace Herenow.Api.Media;

public static class MediaEndpoints
{
    private const string ImmutableCaching = "public, max-age=31536000, immutable";

    public static IEndpointRouteBuilder MapMediaEndpoints(this IEndpointRouteBuilder routes)
    {
        var media = routes.MapGroup("/api/v1/media").WithTags("Media");
        // IResult and .Produces kept: six outcomes (201, 400, 413, 415 and two kinds of 422) are unreadable as a union.
        media.MapPost("/", Upload).RequireAuthorization().WithIdempotencyKey()
            .WithMetadata(new UploadSizeLimit())
            // Bearer tokens, no cookies: a cross-site form post carries no credentials, so antiforgery has nothing to protect.
            .DisableAntiforgery()
            .Accepts<MediaUploadForm>("multipart/form-data")
            .Produces<MediaResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .WithSummary("Upload a photo (JPEG, PNG or WebP, at most 10 MB)")
            .WithDescription("Multipart form with `file` and an optional `description` (alt text, at most 1500 characters). " +
                             "The image is decoded, turned upright by its EXIF orientation and re-encoded without any metadata " +
                             "(EXIF with GPS, XMP, IPTC, ICC, comments). Attach it with `media_ids` on `POST /api/v1/checkins` " +
                             "within 24 hours, or it is removed.");
        media.MapGet("/{id}", Get).RequireAuthorization()
            .WithSummary("One of the caller's uploads");

        // Public: a key is the SHA-256 of the bytes, unguessable without them, and its content never changes. Whoever may
        // see a check-in gets its URLs; anyone else would have to have the image already.
        // IResult and .Produces kept: a file download (bytes in their own content type, or a 304).
        routes.MapMethods("/media/{key}", [HttpMethods.Get, HttpMethods.Head], Serve).WithTags("Media")
            .Produces<byte[]>(StatusCodes.Status200OK, "image/jpeg", "image/png")
            .Produces(StatusCodes.Status304NotModified)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithSummary("The bytes of a photo (url, preview_url): cacheable forever, ETag = content hash");
        return routes;
    }

    private static async Task<IResult> Upload(HttpRequest request, ClaimsPrincipal user, ImageProcessor images, MediaStore store,
        MediaUrls urls, CancellationToken ct)
    {
        if (!request.HasFormContentType)
        {
            return Results.Problem(title: "Unsupported media type", statusCode: StatusCodes.Status415UnsupportedMediaType,
                detail: "Send the photo as multipart/form-data with a 'file' part.");
        }
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(ct);
        }
        catch (InvalidDataException e)
        {
            return Problem.BadRequest($"The multipart body is malformed: {e.Message}");
        }
        catch (IOException e) when (e is not BadHttpRequestException && !ct.IsCancellationRequested)
        {
            // A body that ends before its closing boundary (BadHttpRequestException, e.g. Kestrel's 413, is answered as such).
            return Problem.BadRequest($"The multipart body is malformed: {e.Message}");
        }

        var errors = new FieldErrors();
        var file = form.Files.GetFile("file");
        if (file is null) errors.Add("file", "is required");
        else if (file.Length == 0) errors.Add("file", "is empty");
        var descriptions = form["description"];
        if (descriptions.Count > 1) errors.Add("description", "must be given once");
        var description = descriptions.Count == 1 && !string.IsNullOrEmpty(descriptions[0]) ? descriptions[0] : null;
        if (description is { Length: > MediaLimits.MaxDescriptionLength })
        {
            errors.Add("description", $"must be at most {MediaLimits.MaxDescriptionLength} characters");
        }
        else if (description is not null && description.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
        {
            // PostgreSQL refuses NUL in text: it was a 503 ("retry") for a request that can never succeed.
            errors.Add("description", "must not contain control characters other than line breaks and tabs");
        }
        if (errors.Any) return errors.ToResult();
        if (file!.Length > MediaLimits.MaxFileBytes)
        {
            return Results.Problem(title: "Payload too large", statusCode: StatusCodes.Status413PayloadTooLarge,
                detail: $"The file is {file.Length} bytes; at most {MediaLimits.MaxFileBytes} (10 MiB) are accepted.");
        }

        var bytes = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(bytes, ct);
        }
        ProcessedImage image;
        try
        {
            image = await images.ProcessAsync(bytes, ct);
        }
        catch (ImageRejectedException rejected)
        {
            return Results.Problem(title: rejected.Title, detail: rejected.Message, statusCode: rejected.Status);
        }

        var media = await store.CreateAsync(user.Caller()!, description, image, ct);
        return Results.Created($"/api/v1/media/{media.Id}", urls.Response(media));
    }

    private static async Task<Results<Ok<MediaResponse>, NotFoundProblem>> Get(string id, ClaimsPrincipal user, MediaStore store,
        MediaUrls urls, CancellationToken ct) =>
        TimeOrderedId.IsValid(id) && await store.GetAsync(id, user.Caller()!, ct) is { } media
            ? TypedResults.Ok(urls.Response(media))
            : Problem.NotFound($"No media '{id}'.");

    private static async Task<IResult> Serve(string key, HttpContext http, IBlobStore blobs, CancellationToken ct)
    {
        if (!BlobKeys.IsValid(key))
        {
            return Problem.NotFound($"No media file '{key}'.");
        }
        var etag = new EntityTagHeaderValue($"\"{BlobKeys.Hash(key)}\"");
        var response = http.Response;
        // If-None-Match compares weakly (RFC 9110 13.1.2); the bytes behind a key never change, so a match is current.
        if (http.Request.GetTypedHeaders().IfNoneMatch is { Count: > 0 } tags
            && tags.Any(t => t.Equals(EntityTagHeaderValue.Any) || t.Compare(etag, useStrongComparison: false))
            && await blobs.ExistsAsync(key, ct))
        {
            SetCachingHeaders(response, etag);
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }
        var blob = await blobs.GetAsync(key, ct);
        if (blob is null)
        {
            return Problem.NotFound($"No media file '{key}'.");
        }
        SetCachingHeaders(response, etag);
        // Never let a browser guess another type for user-supplied bytes.
        response.Headers.XContentTypeOptions = "nosniff";
        return Results.Bytes(blob.Content, blob.ContentType);
    }

    private static void SetCachingHeaders(HttpResponse response, EntityTagHeaderValue etag)
    {
        response.Headers.ETag = etag.ToString();
        response.Headers.CacheControl = ImmutableCaching;
    }

    /// <summary>Kestrel refuses a larger body with 413 before the form is read (the default limit is about 28.6 MB).</summary>
    private sealed class UploadSizeLimit : IRequestSizeLimitMetadata
    {
        public long? MaxRequestBodySize => MediaLimits.MaxRequestBytes;
    }
}
