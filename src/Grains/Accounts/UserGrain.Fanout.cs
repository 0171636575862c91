using Herenow.Grains.Checkins;
using Herenow.Grains.Cluster;
using Herenow.Grains.Feeds;

namespace Herenow.Grains.Accounts;

/// <summary>
/// The fan-out outbox. The durable outbox is the check-in row itself (its <c>outbox_due</c> column, set in the same
/// statement that commits the check-in, its release or its delete); this grain keeps the waiting events in memory and
/// hands each to a stateless fan-out worker without waiting. The worker confirms when every feed was handed the event —
/// but the streams queue in memory, so a silo that dies just then can
/// still lose it. An event therefore leaves the outbox only once it is <em>settled</em>: confirmed at least
/// <see cref="FanoutOptions.SettleAfter"/> ago with no silo death observed since it was dispatched
/// (<see cref="Cluster.SiloDeaths"/>); otherwise it is sent again. Settled events are cleared in one statement per
/// check period. If this activation dies first, the rows' lease runs out and the outbox sweeper wakes this grain again
/// (Checkins/OutboxSweeper.cs). Feeds dedupe by check-in id: at-least-once delivery, idempotent consumers.
/// </summary>
public sealed partial class UserGrain
{
    /// <summary>Events committed but not yet settled, in memory, by (check-in, deleted); their rows still have
    /// <c>outbox_due</c> set. A dictionary: an author with thousands waiting (a burst, an import) costs O(1) per event.</summary>
    private readonly Dictionary<(string CheckinId, bool Deleted), CheckinEvent> pendingFanout = [];

    /// <summary>Per pending event: when it was last dispatched, the failure epoch then, and when it was confirmed.</summary>
    private readonly Dictionary<(string CheckinId, bool Deleted), Dispatch> dispatched = [];
    private IGrainTimer? settleTimer;

    private sealed record Dispatch(Guid Id, DateTimeOffset At, long FailureEpoch, DateTimeOffset? ConfirmedAt = null);

    public Task FanoutDelivered(string checkinId, bool deleted, Guid dispatchId)
    {
        // A report from an earlier dispatch says nothing about the latest one, which may have been sent because of a death.
        if (dispatched.TryGetValue((checkinId, deleted), out var dispatch) && dispatch.Id == dispatchId && dispatch.ConfirmedAt is null)
        {
            dispatched[(checkinId, deleted)] = dispatch with { ConfirmedAt = clock.GetUtcNow() };
        }
        return Task.CompletedTask;
    }

    public Task FanoutRunning(string checkinId, bool deleted, Guid dispatchId)
    {
        if (dispatched.TryGetValue((checkinId, deleted), out var dispatch) && dispatch.Id == dispatchId && dispatch.ConfirmedAt is null)
        {
            dispatched[(checkinId, deleted)] = dispatch with { At = clock.GetUtcNow() }; // RedispatchAfter counts from here
        }
        return Task.CompletedTask;
    }

    /// <summary>The sweeper found this author's events past their lease: take them up (again) from the table.</summary>
    public async Task ResumeOutbox()
    {
        if (mine is null)
        {
            await Mine(); // a fresh activation loads the outbox with the rest
            return;
        }
        foreach (var row in await checkins.OutboxAsync(Key))
        {
            AddPending(row.ToEvent());
        }
        ScheduleFanout();
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == PublishReminder)
        {
            Publishing.ReminderTicked();
            await PublishDue();
        }
    }

    private void AddPending(CheckinEvent checkin)
    {
        // A delete supersedes the create still waiting: the row no longer has one to deliver.
        if (checkin.Deleted && pendingFanout.Remove((checkin.CheckinId, false)))
        {
            dispatched.Remove((checkin.CheckinId, false));
        }
        pendingFanout.TryAdd((checkin.CheckinId, checkin.Deleted), checkin);
    }

    /// <summary>Dispatches what has not been dispatched in this activation, and keeps the settle timer while any wait.</summary>
    private void ScheduleFanout()
    {
        foreach (var (key, pending) in pendingFanout)
        {
            if (!dispatched.ContainsKey(key))
            {
                DispatchToWorker(pending);
            }
        }
        if (pendingFanout.Count > 0)
        {
            settleTimer ??= this.RegisterGrainTimer(SettleFanout, fanout.Value.CheckPeriod, fanout.Value.CheckPeriod);
        }
    }

    /// <summary>
    /// The outbox's periodic check: settled events leave (the silo's clearer writes that), unconfirmed ones past
    /// <see cref="FanoutOptions.RedispatchAfter"/> and any caught by a silo death are dispatched again.
    /// </summary>
    private Task SettleFanout()
    {
        var now = clock.GetUtcNow();
        var epoch = deaths.Epoch;
        foreach (var (key, pending) in pendingFanout)
        {
            if (!dispatched.TryGetValue(key, out var dispatch)
                || dispatch.FailureEpoch != epoch
                || (dispatch.ConfirmedAt is null && dispatch.At < now - fanout.Value.RedispatchAfter))
            {
                DispatchToWorker(pending);
            }
        }
        var settledBefore = now - fanout.Value.SettleAfter;
        var settled = pendingFanout.Values.Where(e =>
            dispatched.TryGetValue((e.CheckinId, e.Deleted), out var d)
            && d.FailureEpoch == epoch && d.ConfirmedAt is { } confirmed && confirmed < settledBefore).ToList();
        foreach (var e in settled)
        {
            // Handed to the silo's clearer (one statement for many authors); a lost clear only means one more delivery.
            outboxClearer.Clear(new(Key, e.CheckinId, e.Deleted));
            pendingFanout.Remove((e.CheckinId, e.Deleted));
            dispatched.Remove((e.CheckinId, e.Deleted));
        }
        if (pendingFanout.Count == 0)
        {
            settleTimer?.Dispose();
            settleTimer = null;
        }
        return Task.CompletedTask;
    }

    private void DispatchToWorker(CheckinEvent pending)
    {
        var dispatch = new Dispatch(Guid.NewGuid(), clock.GetUtcNow(), deaths.Epoch);
        // Hybrid fan-out: past the threshold followers merge this author's check-ins when they read.
        if (edges is { IsCompletedSuccessfully: true } loaded && loaded.Result.Followers.Count > fanout.Value.MergeAtReadAbove)
        {
            pending = pending with { MergeAtRead = true };
        }
        // Where it is relayed, from what this grain knows: the relay then asks nobody (unknown yet: it looks it up).
        if (atprotoLinked is { IsCompletedSuccessfully: true } linked && state.State.Id is not null)
        {
            pending = pending with { Relay = new(state.State.ActivityPub, linked.Result) };
        }
        dispatched[(pending.CheckinId, pending.Deleted)] = dispatch;
        // The fan-out outlives the request that posted the check-in: it must not inherit that request's deadline.
        CallDeadline.Without(() => GrainFactory.GetGrain<IFanoutWorkerGrain>(0).Deliver(pending, dispatch.Id).Ignore());
    }
}
