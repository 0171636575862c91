using System.Threading.Channels;
using Herenow.Grains.Observability;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Herenow.Grains.Checkins;

/// <summary>
/// Group commit for new check-ins, one writer per silo (docs/adr/0026-group-commit.md). Authors' grains hand their rows
/// to a channel; one loop takes everything that is waiting (up to <see cref="CheckinWriterOptions.MaxBatch"/>) and
/// commits it in one transaction, so concurrent check-ins share a commit and its fsync — what PostgreSQL's own WAL does
/// for concurrent transactions, one level up. Each caller's task completes only once its row has committed:
/// acknowledged still means durable. While one batch commits the next one fills, so the batch size follows the load
/// with no added wait at low load (an optional <see cref="CheckinWriterOptions.Linger"/> trades latency for bigger batches).
/// A batch that fails is retried row by row, so one bad row (a data error) fails only its own request.
/// </summary>
public sealed class CheckinWriter(CheckinStore store, IOptions<CheckinWriterOptions> options) : BackgroundService
{
    private readonly Channel<Pending> queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(options.Value.QueueCapacity)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait, // back-pressure: a full queue makes writers wait, it drops nothing
    });

    private sealed record Pending(CheckinInsert Row, TaskCompletionSource<bool> Committed);

    /// <summary>Commits the row; true when it was inserted, false when the author's Idempotency-Key (or the id) existed.</summary>
    public async Task<bool> WriteAsync(CheckinInsert row, CancellationToken ct = default)
    {
        var pending = new Pending(row, new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await queue.Writer.WriteAsync(pending, ct);
        }
        catch (ChannelClosedException)
        {
            // The silo is stopping and the loop has drained: a grain still finishing a request commits on its own.
            return (await store.InsertAsync([row], ct)).Contains(row.Record.Id);
        }
        return await pending.Committed.Task;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>(options.Value.MaxBatch);
        // Drains what is queued even while stopping: a row that reached the queue is committed or failed, never dropped.
        while (await queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            if (options.Value.Linger > TimeSpan.Zero)
            {
                await Task.Delay(options.Value.Linger, CancellationToken.None);
            }
            while (batch.Count < options.Value.MaxBatch && queue.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            await CommitAsync(batch);
            batch.Clear();
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        HerenowTelemetry.CheckinCommitBatch.Record(batch.Count);
        try
        {
            var inserted = await store.InsertAsync(batch.Select(p => p.Row).ToList());
            foreach (var pending in batch)
            {
                pending.Committed.TrySetResult(inserted.Contains(pending.Row.Record.Id));
            }
        }
        catch (Exception) when (batch.Count > 1)
        {
            // Isolate the failure: one by one, each request gets its own outcome. (If the batch did commit before the
            // connection died, each row now conflicts with itself and is reported as not inserted; its author's grain
            // then finds it by id — see UserGrain.PostCheckin.)
            foreach (var pending in batch)
            {
                await CommitAsync([pending]);
            }
        }
        catch (Exception e)
        {
            batch[0].Committed.TrySetException(e);
        }
    }
}

/// <summary>Bound from "Herenow:CheckinWriter".</summary>
public sealed class CheckinWriterOptions
{
    public const string Section = "Herenow:CheckinWriter";

    /// <summary>Rows per transaction at most. 512 rows are ~150 KB of parameters: one round trip, one commit.</summary>
    public int MaxBatch { get; set; } = 512;

    /// <summary>Waits before taking a batch, to gather more rows; zero (the default) takes what is there.</summary>
    public TimeSpan Linger { get; set; } = TimeSpan.Zero;

    /// <summary>Rows waiting at most; beyond that writers wait (back-pressure, not loss).</summary>
    public int QueueCapacity { get; set; } = 10_000;
}
