using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary>
/// The inbox's safety net, one per silo: a row recorded and acknowledged whose wake was lost (the silo died, the API
/// could not reach the cluster) or whose grain went away while it waited for a retry is due and untouched. Every
/// <see cref="InboxOptions.SweepPeriod"/> this wakes the grains of actors with rows overdue by more than the grace.
/// A wake of a grain that is already at work changes nothing, so the silos need not agree on who sweeps.
/// Nothing is registered per activity: no reminder, no extra write on the happy path.
/// </summary>
public sealed partial class InboxSweeper(
    InboxStore store, IGrainFactory grains, TimeProvider clock, IOptions<InboxOptions> options, ILogger<InboxSweeper> logger) : BackgroundService
{
    private const int WakeLimit = 1000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.SweepPeriod, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await SweepOnceAsync();
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

    /// <summary>One sweep; returns how many actors' grains were woken.</summary>
    public async Task<int> SweepOnceAsync()
    {
        var actors = await store.OverdueActorsAsync(clock.GetUtcNow() - options.Value.SweepGrace, WakeLimit);
        if (actors.Count > 0)
        {
            LogWaking(logger, actors.Count);
            await Task.WhenAll(actors.Select(a => grains.GetGrain<IInboxGrain>(a).Wake()));
        }
        return actors.Count;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Inbox sweeper: waking the grains of {Actors} actor(s) with overdue activities")]
    private static partial void LogWaking(ILogger logger, int actors);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox sweep failed: {Error}")]
    private static partial void LogFailed(ILogger logger, string error);
}
