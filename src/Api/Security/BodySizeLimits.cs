using System.Globalization;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace Herenow.Api.Security;

/// <summary>
/// Request body limits: 64 KiB for every endpoint (the JSON bodies) unless the endpoint declares its own with
/// <see cref="IRequestSizeLimitMetadata"/> (the media upload: 10 MiB and a little; the inboxes: 1 MiB). A larger body
/// is a 413 problem document: at once when Content-Length says so, or when a chunked body passes the limit while it is
/// read (Kestrel's MaxRequestBodySize is set to the same limit, and the body is counted here too, so that servers
/// without that feature, like the in-process test server, are held to it as well).
/// </summary>
public sealed class BodySizeLimitMiddleware(RequestDelegate next)
{
    /// <summary>The default limit, per the contract: JSON bodies are at most 64 KiB.</summary>
    public const long DefaultMaxBodyBytes = 64 * 1024;

    public async Task InvokeAsync(HttpContext context)
    {
        var limit = context.GetEndpoint()?.Metadata.GetMetadata<IRequestSizeLimitMetadata>() is { } declared
            ? declared.MaxRequestBodySize
            : DefaultMaxBodyBytes;
        if (limit is not { } max || context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            await next(context);
            return;
        }
        if (context.Request.ContentLength > max)
        {
            await TooLarge(context, max);
            return;
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } kestrel)
        {
            kestrel.MaxRequestBodySize = max;
        }
        var original = context.Request.Body;
        var counted = new LimitedStream(original, max);
        context.Request.Body = counted;
        try
        {
            await next(context);
        }
        finally
        {
            context.Request.Body = original;
        }
        // Minimal APIs take an IOException while binding a JSON body for a dropped connection and end the request
        // without an answer; the limit's exception is one, so the 413 is written here.
        if (counted.Exceeded && !context.Response.HasStarted)
        {
            context.Response.Clear();
            await TooLarge(context, max);
        }
    }

    private static Task TooLarge(HttpContext context, long max)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        return context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails =
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Title = "Payload too large",
                Detail = string.Create(CultureInfo.InvariantCulture, $"The request body may be at most {max} bytes here."),
            },
        }).AsTask();
    }

    /// <summary>Counts what is read and throws a 413 BadHttpRequestException once past the limit (or passes on Kestrel's).</summary>
    private sealed class LimitedStream(Stream inner, long max) : Stream
    {
        private long read;

        public bool Exceeded { get; private set; }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            try
            {
                return Count(inner.Read(buffer));
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                Exceeded = true;
                throw;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            try
            {
                return Count(await inner.ReadAsync(buffer, cancellationToken));
            }
            catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
            {
                Exceeded = true;
                throw;
            }
        }

        private int Count(int n)
        {
            read += n;
            if (read > max)
            {
                Exceeded = true;
                throw new BadHttpRequestException(
                    string.Create(CultureInfo.InvariantCulture, $"The request body may be at most {max} bytes here."),
                    StatusCodes.Status413PayloadTooLarge);
            }
            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}

/// <summary>An endpoint's own body limit, above or below <see cref="BodySizeLimitMiddleware.DefaultMaxBodyBytes"/>.</summary>
public sealed class BodySizeLimit(long maxBytes) : IRequestSizeLimitMetadata
{
    public long? MaxRequestBodySize => maxBytes;
}
