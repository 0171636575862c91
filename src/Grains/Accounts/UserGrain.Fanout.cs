using Herenow.Grains.Checkins;
using Herenow.Grains.Cluster;
using Herenow.Grains.Feeds;

namespace Herenow.Grains.Accounts;

/// <summary>
/// The fan-out outbox. Each acknowledged event waits in <see cref="UserState.PendingFanout"/> (durable) and is handed
/// to a stateless fan-out worker without waiting, so the author's next request is not held up by a large fan-out.
/// The worker confirms when every feed was handed the event — but feeds persist behind (about two seconds) and the
/// streams queue in memory, so a silo that dies just then can still lose it. An event therefore leaves the outbox only
/// once it is <em>settled</em>: confirmed at least <see cref="FanoutOptions.SettleAfter"/> ago with no silo death observed since it
/// was dispatched (<see cref="Cluster.SiloDeaths"/>); otherwise it is sent again. Feeds dedupe by check-in id, so
/// every repeat is harmless: at-least-once delivery, idempotent consumers.
/// </summary>
public sealed partial class UserGrain
{
    private const string FanoutReminder = "fanout";

    /// <summary>Per pending event: when it was last dispatched, the failure epoch then, and when it was confirmed.</summary>
    private readonly Dictionary<(string CheckinId, bool Deleted), Dispatch> dispatched = [];
    private bool fanoutReminderActive;
    private IGrainTimer? settleTimer;

    private sealed record Dispatch(Guid Id, DateTimeOffset At, long FailureEpoch, DateTimeOffset? ConfirmedAt = null);

    public Task FanoutDelivered(string checkinId, bool deleted, Guid dispatchId)
    {
        // Only memory changes: the event stays in the durable outbox until it settles (see SettleFanout). A report
        // from an earlier dispatch says nothing about the latest one, which may have been sent because of a death.
        if (dispatched.TryGetValue((checkinId, deleted), out var dispatch) && dispatch.Id == dispatchId && dispatch.ConfirmedAt is null)
        {
            dispatched[(checkinId, deleted)] = dispatch with { ConfirmedAt = clock.GetUtcNow() };
        }
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == PublishReminder)
        {
            await PublishDue();
            return;
        }
        if (reminderName != FanoutReminder)
        {
            return;
        }
        await SettleFanout();
        if (state.State.PendingFanout.Count == 0)
        {
            // Kept while the author is busy (no reminder write per check-in); dropped once a tick finds nothing to do.
            if (await this.GetReminder(FanoutReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            fanoutReminderActive = false;
        }
    }

    /// <summary>Dispatches what has not been dispatched in this activation (a new activation has dispatched nothing).</summary>
    private void ScheduleFanout()
    {
        foreach (var pending in state.State.PendingFanout)
        {
            if (!dispatched.ContainsKey((pending.CheckinId, pending.Deleted)))
            {
                DispatchToWorker(pending);
            }
        }
        settleTimer ??= this.RegisterGrainTimer(SettleFanout, fanout.Value.CheckPeriod, fanout.Value.CheckPeriod);
    }

    /// <summary>
    /// The outbox's periodic check: settled events leave (one write for all of them), unconfirmed ones past
    /// <see cref="FanoutOptions.RedispatchAfter"/> and any caught by a silo death are dispatched again.
    /// </summary>
    private async Task SettleFanout()
    {
        var now = clock.GetUtcNow();
        var epoch = deaths.Epoch;
        foreach (var pending in state.State.PendingFanout)
        {
            var key = (pending.CheckinId, pending.Deleted);
            if (!dispatched.TryGetValue(key, out var dispatch)
                || dispatch.FailureEpoch != epoch
                || (dispatch.ConfirmedAt is null && dispatch.At < now - fanout.Value.RedispatchAfter))
            {
                DispatchToWorker(pending);
            }
        }
        if (PruneSettledFanout())
        {
            await state.WriteStateAsync();
        }
        if (state.State.PendingFanout.Count == 0)
        {
            settleTimer?.Dispose();
            settleTimer = null;
        }
    }

    /// <summary>Removes settled events from the outbox (in memory; the caller writes); true if any left.</summary>
    private bool PruneSettledFanout()
    {
        var settledBefore = clock.GetUtcNow() - fanout.Value.SettleAfter;
        var epoch = deaths.Epoch;
        var removed = state.State.PendingFanout.RemoveAll(e =>
            dispatched.TryGetValue((e.CheckinId, e.Deleted), out var d)
            && d.FailureEpoch == epoch && d.ConfirmedAt is { } confirmed && confirmed < settledBefore
            && dispatched.Remove((e.CheckinId, e.Deleted)));
        return removed > 0;
    }

    private void DispatchToWorker(CheckinEvent pending)
    {
        var dispatch = new Dispatch(Guid.NewGuid(), clock.GetUtcNow(), deaths.Epoch);
        dispatched[(pending.CheckinId, pending.Deleted)] = dispatch;
        // The fan-out outlives the request that posted the check-in: it must not inherit that request's deadline.
        CallDeadline.Without(() => GrainFactory.GetGrain<IFanoutWorkerGrain>(0).Deliver(pending, dispatch.Id).Ignore());
    }

    private async Task EnsureFanoutReminder()
    {
        if (!fanoutReminderActive)
        {
            // Written before the acknowledgement, so a crash before the fan-out still leaves a way back in.
            await this.RegisterOrUpdateReminder(FanoutReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            fanoutReminderActive = true;
        }
    }
}
