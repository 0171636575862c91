using Npgsql;

namespace Herenow.Api.Federation;

/// <summary>
/// Hourly, forgets inbound activity ids and given-up deliveries older than <see cref="Retention"/>. Senders retry a
/// delivery for two to three days (Mastodon), so an id older than 30 days will not come again; a repeat after that
/// would still meet idempotent handlers. Every API instance runs it; the deletes are idempotent, so no lock is needed.
/// </summary>
public sealed partial class FederationCleanup(NpgsqlDataSource database, TimeProvider clock, ILogger<FederationCleanup> logger) : BackgroundService
{
    public static readonly TimeSpan Retention = TimeSpan.FromDays(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromHours(1), clock);
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
                    LogFailed(logger, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round; returns how many rows went.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand("""
            WITH seen AS (DELETE FROM ap_inbox_seen WHERE received_at < @before RETURNING 1),
                 failed AS (DELETE FROM ap_delivery_failures WHERE failed_at < @before RETURNING 1)
            SELECT (SELECT count(*) FROM seen) + (SELECT count(*) FROM failed)
            """);
        command.Parameters.AddWithValue("before", clock.GetUtcNow() - Retention);
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Federation clean-up failed; next round in an hour: {Error}")]
    private static partial void LogFailed(ILogger logger, string error);
}
