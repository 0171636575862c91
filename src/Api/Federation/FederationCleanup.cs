using Herenow.Grains.Federation.ActivityPub.Inbound;
using Npgsql;

namespace Herenow.Api.Federation;

/// <summary>
/// Hourly, forgets processed inbound activities (<c>ap_inbox</c>) and given-up deliveries older than
/// <see cref="Retention"/>. Senders retry a delivery for two to three days (Mastodon), so an id older than 30 days will
/// not come again; a repeat after that would still meet idempotent handlers. Pending rows are never forgotten. Every API instance runs it; the deletes are idempotent, so no lock is needed.
/// </summary>
public sealed partial class FederationCleanup(NpgsqlDataSource database, InboxStore inbox, TimeProvider clock, ILogger<FederationCleanup> logger) : BackgroundService
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
        var before = clock.GetUtcNow() - Retention;
        var forgotten = await inbox.ForgetAsync(before, cancellationToken);
        await using var command = database.CreateCommand("DELETE FROM ap_delivery_failures WHERE failed_at < @before");
        command.Parameters.AddWithValue("before", before);
        return forgotten + await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Federation clean-up failed; next round in an hour: {Error}")]
    private static partial void LogFailed(ILogger logger, string error);
}
