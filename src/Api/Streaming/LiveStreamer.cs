using System.Text.Json;
using System.Threading.Channels;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace Herenow.Api.Streaming;

/// <summary>
/// Runs one SSE connection. The connection is a grain observer of the feed grains it shows (see
/// docs/adr/0011-live-updates.md): they tell it about every change they apply, so there is no new grain and no
/// second fan-out. The registration (<see cref="WatchRegistration"/>) lives in grain memory, is renewed while the
/// request lives and removed when it ends; if the API dies, it expires on its own.
/// Notifications only enqueue into a bounded per-connection channel, so a slow client never holds up delivery;
/// a client that falls <see cref="StreamingOptions.BufferCapacity"/> events behind is disconnected (not silently
/// thinned out) and catches up on reconnect through Last-Event-ID.
/// </summary>
public sealed partial class LiveStreamer(
    IClusterClient cluster, IOptions<StreamingOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json,
    ILogger<LiveStreamer> logger)
{
    private readonly StreamingOptions settings = options.Value;
    private readonly JsonSerializerOptions serializer = json.Value.SerializerOptions;

    public async Task RunAsync(HttpContext context, LiveFeed feed, string? lastEventId)
    {
        var cancel = context.RequestAborted;
        var response = context.Response;
        var channel = Channel.CreateBounded<CheckinEvent>(new BoundedChannelOptions(settings.BufferCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite then fails instead of dropping: overflow is detectable
            SingleReader = true,
        });
        void OnNext(CheckinEvent checkin)
        {
            if (!channel.Writer.TryWrite(checkin) && channel.Writer.TryComplete())
            {
                LogOverflow(logger, context.TraceIdentifier, settings.BufferCapacity);
            }
        }

        // Watching before anything is replayed, so nothing published in between is missed (duplicates are skipped).
        await using var watch = await WatchRegistration.StartAsync(cluster, feed.Timelines, OnNext, logger, context.TraceIdentifier);
        try
        {
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            await SseFrames.StartAsync(response, cancel);
            await SseFrames.FlushAsync(response, cancel);
            var sent = new RecentIds(settings.MaxReplay + settings.BufferCapacity);
            if (lastEventId is not null)
            {
                await ReplayAsync(response, feed, lastEventId, sent, cancel);
            }
            await PumpAsync(response, feed, channel.Reader, sent, cancel);
        }
        catch (Exception) when (cancel.IsCancellationRequested)
        {
            // The client went away; that is how every stream ends.
        }
        catch (Exception e) when (response.HasStarted)
        {
            // Too late for a problem document; closing lets the client reconnect with Last-Event-ID.
            LogStreamFailed(logger, e, context.TraceIdentifier);
        }
    }

    /// <summary>Sends, oldest first, what the feed gained after <paramref name="lastEventId"/>, noting the ids sent.</summary>
    private async Task ReplayAsync(HttpResponse response, LiveFeed feed, string lastEventId, RecentIds sent, CancellationToken cancel)
    {
        var after = lastEventId;
        for (var seen = 0; seen < settings.MaxReplay;)
        {
            var page = await feed.Page(new PageQuery(null, null, after, Common.Paging.MaxLimit));
            if (page.Count == 0) break;
            page.Reverse();
            foreach (var view in await feed.Visible(page))
            {
                await SseFrames.CheckinAsync(response, view.Id, JsonSerializer.Serialize(view, serializer), cancel);
                sent.Add(view.Id);
            }
            await SseFrames.FlushAsync(response, cancel);
            after = page[^1].Id;
            seen += page.Count;
            if (page.Count < Common.Paging.MaxLimit) break;
        }
    }

    private async Task PumpAsync(HttpResponse response, LiveFeed feed, ChannelReader<CheckinEvent> reader,
        RecentIds sent, CancellationToken cancel)
    {
        while (true)
        {
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancel))
            {
                idle.CancelAfter(settings.HeartbeatInterval);
                try
                {
                    if (!await reader.WaitToReadAsync(idle.Token))
                    {
                        return; // completed on overflow: end the response so the client reconnects and replays
                    }
                }
                catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                {
                    await SseFrames.CommentAsync(response, "heartbeat", cancel);
                    await SseFrames.FlushAsync(response, cancel);
                    continue;
                }
            }
            while (reader.TryRead(out var checkin))
            {
                await SendAsync(response, feed, checkin, sent, cancel);
            }
            await SseFrames.FlushAsync(response, cancel);
        }
    }

    private async Task SendAsync(HttpResponse response, LiveFeed feed, CheckinEvent checkin, RecentIds sent, CancellationToken cancel)
    {
        var entry = new CheckinEntry(checkin.CheckinId, checkin.Author, checkin.Visibility);
        if (checkin.Deleted)
        {
            if (await feed.MaySee(entry))
            {
                await SseFrames.DeleteAsync(response, checkin.CheckinId, cancel);
            }
            return;
        }
        // A replay may already have sent it.
        if (!sent.Add(checkin.CheckinId))
        {
            return;
        }
        foreach (var view in await feed.Visible([entry]))
        {
            await SseFrames.CheckinAsync(response, view.Id, JsonSerializer.Serialize(view, serializer), cancel);
        }
    }

    /// <summary>The last ids sent, to skip repeats (replay overlapping live) in bounded memory.</summary>
    private sealed class RecentIds(int capacity)
    {
        private readonly HashSet<string> ids = new(StringComparer.Ordinal);
        private readonly Queue<string> order = new();

        /// <summary>False when the id was sent recently.</summary>
        public bool Add(string id)
        {
            if (!ids.Add(id)) return false;
            order.Enqueue(id);
            if (order.Count > capacity) ids.Remove(order.Dequeue());
            return true;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "SSE {TraceId}: client fell {Capacity} events behind; disconnecting it")]
    private static partial void LogOverflow(ILogger logger, string traceId, int capacity);

    [LoggerMessage(Level = LogLevel.Warning, Message = "SSE {TraceId}: stream ended by an error")]
    private static partial void LogStreamFailed(ILogger logger, Exception error, string traceId);
}
