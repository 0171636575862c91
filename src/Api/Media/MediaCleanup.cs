using Microsoft.Extensions.Options;
using Npgsql;

namespace Herenow.Api.Media;

/// <summary>
/// Every <see cref="MediaOptions.CleanupInterval"/>, removes media left unattached past their lifetime
/// (<see cref="MediaStore.RemoveUnattachedAsync"/>). Every API instance runs the timer; a PostgreSQL advisory lock lets
/// one of them do the work at a time, and the others skip that round.
/// </summary>
public sealed class MediaCleanup(NpgsqlDataSource database, MediaStore store, IOptions<MediaOptions> options, ILogger<MediaCleanup> logger)
    : BackgroundService
{
    // One-key form, distinct from the migrator's key; held by the session, so a crashed instance releases it.
    public const long AdvisoryLockKey = 0x4845_5245_4E4F_5702;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.CleanupInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException)
                {
                    logger.LogWarning("Media clean-up failed, next round in {Interval}: {Error}", options.Value.CleanupInterval, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round; null when another instance holds the lock (it is doing this round).</summary>
    public async Task<int?> RunOnceAsync(CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection))
        {
            tryLock.Parameters.AddWithValue("key", AdvisoryLockKey);
            if (!(bool)(await tryLock.ExecuteScalarAsync(ct))!)
            {
                return null;
            }
        }
        try
        {
            var removed = await store.RemoveUnattachedAsync(ct);
            if (removed > 0)
            {
                logger.LogInformation("Removed {Count} media left unattached for {Lifetime}", removed, options.Value.UnattachedLifetime);
            }
            return removed;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlock.Parameters.AddWithValue("key", AdvisoryLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }
}
