using System.Net.Http.Headers;

namespace Herenow.Tests.Support;

/// <summary>One parsed Server-Sent Events block: an event (name, id, data) or, when only comments came, a comment.</summary>
public sealed record SseMessage(string? Event, string? Id, string? Data, string? Comment);

/// <summary>
/// A minimal SSE reader over the test server: opens the stream with ResponseHeadersRead and parses it line by
/// line. Every read takes a token, so a test waits a bounded time and never hangs.
/// </summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage response;
    private readonly StreamReader reader;

    private SseClient(HttpResponseMessage response, StreamReader reader)
    {
        this.response = response;
        this.reader = reader;
    }

    public HttpResponseMessage Response => response;

    /// <summary>Sends the request; the response is returned whatever its status (check it before reading).</summary>
    public static async Task<SseClient> OpenAsync(HttpClient http, string path, string? token, CancellationToken cancel,
        string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (lastEventId is not null) request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel);
        return new SseClient(response, new StreamReader(await response.Content.ReadAsStreamAsync(cancel)));
    }

    /// <summary>The next block up to a blank line; throws OperationCanceledException when the token fires first.</summary>
    public async Task<SseMessage> NextAsync(CancellationToken cancel)
    {
        string? name = null, id = null, data = null, comment = null;
        while (true)
        {
            var line = await reader.ReadLineAsync(cancel) ?? throw new EndOfStreamException("The server closed the stream.");
            if (line.Length == 0)
            {
                if (name is not null || data is not null || comment is not null) return new SseMessage(name, id, data, comment);
                continue;
            }
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "": comment = value; break;
                case "event": name = value; break;
                case "id": id = value; break;
                case "data": data = data is null ? value : data + "\n" + value; break;
            }
        }
    }

    /// <summary>Skips comments (heartbeats) and returns the next real event.</summary>
    public async Task<SseMessage> NextEventAsync(CancellationToken cancel)
    {
        while (true)
        {
            var message = await NextAsync(cancel);
            if (message.Event is not null || message.Data is not null) return message;
        }
    }

    public ValueTask DisposeAsync()
    {
        reader.Dispose();
        response.Dispose();
        return ValueTask.CompletedTask;
    }
}
