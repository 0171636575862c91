using Herenow.Grains.Accounts;
using Herenow.Grains.Cluster;
using Herenow.Grains.Feeds;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herenow.Grains.Checkins;

/// <summary>
/// The outbox's safety net, one per silo: a committed check-in whose author's grain died (or was collected) before its
/// fan-out settled still has <c>outbox_due</c> set. Every <see cref="FanoutOptions.SweepPeriod"/> this claims rows past
/// their lease (renewing it, so the other silos' sweepers skip them: FOR UPDATE SKIP LOCKED) and wakes their authors'
/// grains, which deliver them again. After a silo death it wakes every author with a waiting event at once, without
/// waiting for leases. Nothing is registered per check-in: no reminder, no extra write on the happy path.
/// </summary>
public sealed partial class OutboxSweeper(
    CheckinStore store, IGrainFactory grains, SiloDeaths deaths, TimeProvider clock, IOptions<FanoutOptions> options,
    ILogger<OutboxSweeper> logger) : BackgroundService
{
    private const int ClaimLimit = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var seenEpoch = deaths.Epoch;
        using var timer = new PeriodicTimer(options.Value.SweepPeriod, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var epoch = deaths.Epoch;
                try
                {
                    await SweepAsync(all: epoch != seenEpoch);
                    seenEpoch = epoch;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogFailed(logger, e.Message); // the database or the cluster is away: the next tick tries again
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task SweepAsync(bool all)
    {
        var now = clock.GetUtcNow();
        var authors = await store.ClaimOverdueAsync(now, now + options.Value.OutboxLease, ClaimLimit, all);
        if (authors.Count > 0)
        {
            LogResuming(logger, authors.Count, all);
            await Task.WhenAll(authors.Select(a => grains.GetGrain<IUserGrain>(a).ResumeOutbox()));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox sweeper: resuming the fan-out of {Authors} author(s) (after a silo death: {AfterDeath})")]
    private static partial void LogResuming(ILogger logger, int authors, bool afterDeath);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox sweep failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string error);
}
