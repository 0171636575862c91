using System.Threading.Channels;
using Herenow.Grains.Checkins;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Herenow.Grains.Feeds;

/// <summary>
/// Sends committed check-ins to every silo's feeds, batched: whatever fan-outs are waiting when the previous batch has
/// been handed over go together, one stream message per silo (group commit's shape, linger zero), and the public ones
/// also to the global feed's live viewers, one message per shard. A publish completes once its batch is queued for
/// every silo that was active; a silo that dies first costs a re-dispatch from the author's outbox
/// (docs/adr/0015-fanout-settles-after-failures.md).
/// </summary>
public sealed partial class FeedDispatcher(IClusterClient cluster, ActiveSilos silos, ILogger<FeedDispatcher> logger)
{
    private const int MaxBatch = 512;

    private readonly Channel<(FeedBatch Part, TaskCompletionSource Done)> queue =
        Channel.CreateUnbounded<(FeedBatch, TaskCompletionSource)>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Lock gate = new();
    private Task? pump;

    /// <summary>Delivers to the feeds following the author (and the global feed's live viewers, if public).</summary>
    public Task PublishAsync(CheckinEvent checkin) => Enqueue(new FeedBatch([checkin]));

    /// <summary>Delivers to the named homes only (fediverse posts, addressed by the inbox to their local followers).</summary>
    public Task PublishToAsync(CheckinEvent checkin, IReadOnlyList<string> homes) => Enqueue(new FeedBatch([checkin], homes));

    private Task Enqueue(FeedBatch part)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        queue.Writer.TryWrite((part, done));
        lock (gate)
        {
            if (pump is null || pump.IsCompleted)
            {
                // The pump serves every later caller: it must not carry this caller's request context (its call
                // deadline, its trace), or every batch after this request's deadline would be refused.
                using (ExecutionContext.SuppressFlow())
                {
                    pump = Task.Run(PumpAsync);
                }
            }
        }
        return done.Task;
    }

    private async Task PumpAsync()
    {
        var waiting = new List<(FeedBatch Part, TaskCompletionSource Done)>();
        while (await queue.Reader.WaitToReadAsync())
        {
            while (waiting.Count < MaxBatch && queue.Reader.TryRead(out var item))
            {
                waiting.Add(item);
            }
            try
            {
                var streams = cluster.GetStreamProvider(Streams.StreamNames.Provider);
                // Events for everyone's followers travel together; addressed ones (rare) each as their own batch.
                var batches = new List<FeedBatch>();
                var broadcast = waiting.Where(w => w.Part.Homes is null).SelectMany(w => w.Part.Events).ToList();
                if (broadcast.Count > 0) batches.Add(new FeedBatch(broadcast));
                batches.AddRange(waiting.Where(w => w.Part.Homes is not null).Select(w => w.Part));
                var toSilos = silos.Keys().SelectMany(silo => batches.Select(batch =>
                    streams.GetStream<FeedBatch>(StreamId.Create(FeedStreams.Silo, silo)).OnNextAsync(batch)));
                var toGlobal = broadcast.Where(e => e.Visibility == Visibility.Public).GroupBy(e => GlobalFeed.ShardOf(e.CheckinId))
                    .Select(shard => streams.GetStream<FeedBatch>(StreamId.Create(FeedStreams.Global, shard.Key)).OnNextAsync(new FeedBatch([.. shard])));
                await Task.WhenAll(toSilos.Concat(toGlobal));
                waiting.ForEach(w => w.Done.TrySetResult());
            }
            catch (Exception e)
            {
                LogFailed(logger, e, waiting.Count);
                waiting.ForEach(w => w.Done.TrySetException(e));
            }
            waiting.Clear();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Handing {Count} check-in events to the silos' feeds failed; their outboxes will send them again")]
    private static partial void LogFailed(ILogger logger, Exception error, int count);
}
