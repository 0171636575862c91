using Herenow.Grains.Checkins;
using Herenow.Grains.Cluster;
using Herenow.Grains.Feeds;

namespace Herenow.Grains.Accounts;

/// <summary>
/// The fan-out outbox. The durable outbox is the check-in row itself (its <c>outbox_due</c> column, set in the same
/// statement that commits the check-in, its release or its delete); this grain keeps the waiting events in memory and
/// runs each one's fan-out (<see cref="CheckinFanout"/>) without waiting for it, off the request. The fan-out succeeds
/// once every silo's feeds were handed the event — but the streams queue in memory, so a silo that dies just then can
/// still lose it. An event therefore leaves the outbox only once it is <em>settled</em>: delivered at least
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

    /// <summary>Per pending event: its latest dispatch, the failure epoch then, and how it ended.</summary>
    private readonly Dictionary<(string CheckinId, bool Deleted), Dispatch> dispatched = [];
    /// <summary>Events added since the last dispatch: a post dispatches its own event, not a scan of all pending.</summary>
    private readonly List<(string CheckinId, bool Deleted)> undispatched = [];
    private IGrainTimer? settleTimer;

    /// <summary>A running dispatch has neither <see cref="DeliveredAt"/> nor <see cref="Failed"/>: it is never sent
    /// again while it works (it runs in this activation, so it cannot be lost without it).</summary>
    private sealed record Dispatch(Guid Id, long FailureEpoch, DateTimeOffset? DeliveredAt = null, bool Failed = false);

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
        if (pendingFanout.TryAdd((checkin.CheckinId, checkin.Deleted), checkin))
        {
            undispatched.Add((checkin.CheckinId, checkin.Deleted));
        }
    }

    /// <summary>Dispatches the events added since the last call, and keeps the settle timer while any wait.</summary>
    private void ScheduleFanout()
    {
        foreach (var key in undispatched)
        {
            if (pendingFanout.TryGetValue(key, out var pending) && !dispatched.ContainsKey(key))
            {
                StartFanout(pending);
            }
        }
        undispatched.Clear();
        if (pendingFanout.Count > 0)
        {
            settleTimer ??= this.RegisterGrainTimer(SettleFanout, fanout.Value.CheckPeriod, fanout.Value.CheckPeriod);
        }
    }

    /// <summary>
    /// The outbox's periodic check: settled events leave (the silo's clearer writes that); failed ones and any caught
    /// by a silo death are dispatched again (the check period is their back-off).
    /// </summary>
    private Task SettleFanout()
    {
        var now = clock.GetUtcNow();
        var epoch = deaths.Epoch;
        foreach (var (key, pending) in pendingFanout)
        {
            if (!dispatched.TryGetValue(key, out var dispatch) || dispatch.FailureEpoch != epoch || dispatch.Failed)
            {
                StartFanout(pending);
            }
        }
        var settledBefore = now - fanout.Value.SettleAfter;
        var settled = pendingFanout.Values.Where(e =>
            dispatched.TryGetValue((e.CheckinId, e.Deleted), out var d)
            && d.FailureEpoch == epoch && d.DeliveredAt is { } delivered && delivered < settledBefore).ToList();
        foreach (var e in settled)
        {
            // Handed to the silo's clearer (one statement for many authors); a lost clear only means one more delivery.
            checkinFanout.Settled(new(Key, e.CheckinId, e.Deleted));
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

    private void StartFanout(CheckinEvent pending)
    {
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
        var dispatch = new Dispatch(Guid.NewGuid(), deaths.Epoch);
        dispatched[(pending.CheckinId, pending.Deleted)] = dispatch;
        // The fan-out outlives the request that posted the check-in: it must not inherit that request's deadline.
        CallDeadline.Without(() => RunFanout(pending, dispatch.Id).Ignore());
    }

    /// <summary>Runs on this activation (between its turns, never concurrently with one): only the dispatch is touched.</summary>
    private async Task RunFanout(CheckinEvent pending, Guid dispatchId)
    {
        var delivered = await checkinFanout.DeliverAsync(pending);
        var key = (pending.CheckinId, pending.Deleted);
        // The outcome of an earlier dispatch says nothing about the latest one, which may have been sent after a death.
        if (dispatched.TryGetValue(key, out var dispatch) && dispatch.Id == dispatchId)
        {
            dispatched[key] = delivered ? dispatch with { DeliveredAt = clock.GetUtcNow() } : dispatch with { Failed = true };
        }
    }
}
