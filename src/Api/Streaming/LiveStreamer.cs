using System.Text.Json;
using System.Threading.Channels;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Streams;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace Herenow.Api.Streaming;

/// <summary>
/// Runs one SSE connection. The API is an Orleans client with the same memory stream provider as the silos, so it
/// subscribes explicitly to the very streams the feed grains consume (see docs/adr/0011-live-updates.md): no new
/// grain, no second fan-out. Subscriptions live exactly as long as the request and are removed in a finally block.
/// Stream callbacks only enqueue into a bounded per-connection channel, so a slow client never holds up delivery;
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
        Task OnNext(CheckinEvent checkin, StreamSequenceToken? _)
        {
            if (!channel.Writer.TryWrite(checkin) && channel.Writer.TryComplete())
            {
                LogOverflow(logger, context.TraceIdentifier, settings.BufferCapacity);
            }
            return Task.CompletedTask;
        }

        var provider = cluster.GetStreamProvider(StreamNames.Provider);
        // Subscribed before anything is replayed, so nothing published in between is missed (duplicates are skipped).
        var subscribing = feed.Streams.Select(id => provider.GetStream<CheckinEvent>(id).SubscribeAsync(OnNext)).ToList();
        try
        {
            await Task.WhenAll(subscribing);
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
        finally
        {
            foreach (var subscription in subscribing.Where(s => s.IsCompletedSuccessfully))
            {
                await UnsubscribeAsync(subscription.Result, context.TraceIdentifier);
            }
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
        // Streams deliver at least once and a replay may already have sent it.
        if (!sent.Add(checkin.CheckinId))
        {
            return;
        }
        foreach (var view in await feed.Visible([entry]))
        {
            await SseFrames.CheckinAsync(response, view.Id, JsonSerializer.Serialize(view, serializer), cancel);
        }
    }

    private async Task UnsubscribeAsync(StreamSubscriptionHandle<CheckinEvent> subscription, string traceId)
    {
        try
        {
            await subscription.UnsubscribeAsync();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogUnsubscribeFailed(logger, e, traceId, subscription.StreamId.ToString());
        }
    }

    /// <summary>The last ids sent, to skip repeats (at-least-once streams, replay overlapping live) in bounded memory.</summary>
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

    [LoggerMessage(Level = LogLevel.Error, Message = "SSE {TraceId}: could not remove the subscription to {StreamId}; it stays in the pub-sub store")]
    private static partial void LogUnsubscribeFailed(ILogger logger, Exception error, string traceId, string streamId);
}
