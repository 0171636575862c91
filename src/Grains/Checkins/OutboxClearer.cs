using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herenow.Grains.Checkins;

/// <summary>
/// Clears settled events from the outbox for every author on this silo together: one statement per
/// <see cref="FanoutClearOptions.Linger"/> instead of one per author per settle period (group commit again, for a
/// write nobody waits for). Authors hand their settled events over and forget them. If a clear is lost (a failed
/// statement, a silo that dies first) the rows keep their lease, and the outbox sweeper hands the events out again
/// when it runs out: one more at-least-once delivery to idempotent consumers, never a lost one.
/// </summary>
public sealed partial class OutboxClearer(CheckinStore store, IOptions<FanoutClearOptions> options, ILogger<OutboxClearer> logger)
    : BackgroundService
{
    private readonly Channel<SettledEvent> queue = Channel.CreateUnbounded<SettledEvent>(new UnboundedChannelOptions { SingleReader = true });

    public readonly record struct SettledEvent(string Author, string CheckinId, bool Deleted);

    public void Clear(SettledEvent settled)
    {
        if (!queue.Writer.TryWrite(settled))
        {
            // Stopping: the loop has drained. Left to the lease and the sweeper, as a crash would.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<SettledEvent>();
        while (await queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            // Nobody waits for a clear: gather for a while, so that a busy silo clears thousands in one statement.
            if (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(options.Value.Linger, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: clear what is queued now.
                }
            }
            while (batch.Count < options.Value.MaxBatch && queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            try
            {
                await store.ClearOutboxAsync(batch);
            }
            catch (Exception e)
            {
                LogFailed(logger, e, batch.Count);
            }
            batch.Clear();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Clearing {Count} settled outbox events failed; their leases will hand them out again")]
    private static partial void LogFailed(ILogger logger, Exception error, int count);
}

/// <summary>Bound from "Herenow:Fanout:Clear".</summary>
public sealed class FanoutClearOptions
{
    public const string Section = "Herenow:Fanout:Clear";

    /// <summary>How long the clearer gathers settled events before one statement clears them all.</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Events per statement at most.</summary>
    public int MaxBatch { get; set; } = 5_000;
}
