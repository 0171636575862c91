using System.Text;

namespace Herenow.Api.Streaming;

/// <summary>
/// Server-Sent Events framing (WHATWG HTML, "server-sent events"), Mastodon-style event names. Every payload is
/// a single line (compact JSON escapes newlines; ids have none), so each event needs only one "data:" line.
/// </summary>
public static class SseFrames
{
    public static Task StartAsync(HttpResponse response, CancellationToken cancel)
    {
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        // nginx buffers proxied responses by default, which would hold events back until a buffer fills.
        response.Headers["X-Accel-Buffering"] = "no";
        return CommentAsync(response, "connected", cancel);
    }

    public static Task CommentAsync(HttpResponse response, string text, CancellationToken cancel) =>
        WriteAsync(response, $": {text}\n\n", cancel);

    /// <summary>A new check-in. Its id is the SSE id, so a reconnecting client sends it back as Last-Event-ID.</summary>
    public static Task CheckinAsync(HttpResponse response, string id, string json, CancellationToken cancel) =>
        WriteAsync(response, $"id: {id}\nevent: checkin\ndata: {json}\n\n", cancel);

    /// <summary>A deleted check-in. No SSE id: it names an older check-in and must not move the resume point back.</summary>
    public static Task DeleteAsync(HttpResponse response, string id, CancellationToken cancel) =>
        WriteAsync(response, $"event: delete\ndata: {id}\n\n", cancel);

    public static Task FlushAsync(HttpResponse response, CancellationToken cancel) => response.Body.FlushAsync(cancel);

    private static async Task WriteAsync(HttpResponse response, string frame, CancellationToken cancel)
    {
        await response.Body.WriteAsync(Encoding.UTF8.GetBytes(frame), cancel);
    }
}
