using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;

namespace Herenow.Grains.Accounts;

/// <summary>
/// Posting and deleting check-ins, and their fan-out. Posting is a saga: (1) the check-in's own record is written,
/// (2) this user's history and a pending fan-out event are written together; only then is the post acknowledged.
/// If (2) fails, (1) is compensated. Fan-out runs after the acknowledgement from the durable pending list (an
/// outbox): each event is handed to a stateless fan-out worker (this grain does not wait, so the author's next
/// request is not held up by a large fan-out) and leaves the outbox only when the worker reports every feed handed
/// the event. Reactivation and a reminder dispatch again what was not confirmed: at least once.
/// </summary>
public sealed partial class UserGrain
{
    private const string FanoutReminder = "fanout";
    // The API remembers responses for 24 h too; a key older than that is pruned and may create again.
    private static readonly TimeSpan CheckinKeyRetention = TimeSpan.FromHours(24);
    /// <summary>A worker that has not reported back by then is presumed lost, and the reminder dispatches again.</summary>
    private static readonly TimeSpan RedispatchAfter = TimeSpan.FromSeconds(30);

    /// <summary>When each pending event was last handed to a worker (memory only: a new activation dispatches all).</summary>
    private readonly Dictionary<(string CheckinId, bool Deleted), DateTimeOffset> dispatched = [];
    private bool fanoutReminderActive;

    public async Task<CheckinRecord> PostCheckin(NewCheckin checkin)
    {
        if (!Exists)
        {
            throw new InvalidOperationException($"No account '{Key}'.");
        }
        // The API stores a keyed response only after this call returns; if it crashed in between, the client's
        // retry reaches here again. The key is written with the check-in (one state write), so a known key means
        // the check-in committed: return it rather than create a second. A check-in deleted since is not kept.
        if (checkin.IdempotencyKey is { } key && state.State.CheckinKeys.TryGetValue(key, out var keyed)
            && await GrainFactory.GetGrain<ICheckinGrain>(keyed.CheckinId).Get() is { } earlier)
        {
            return earlier;
        }

        var now = clock.GetUtcNow();
        // Hybrid logical clock: strictly after this author's previous check-in, whatever this silo's clock says.
        var id = TimeOrderedId.NewAfter(state.State.LastCheckinId, now);
        var record = new CheckinRecord(id, Key, checkin.Place, checkin.Latitude, checkin.Longitude, checkin.AccuracyM,
            checkin.Shout, checkin.Visibility, checkin.MediaIds, now, 0);

        var grain = GrainFactory.GetGrain<ICheckinGrain>(id);
        await grain.Create(record);
        await EnsureFanoutReminder();

        var entry = new CheckinEntry(id, Key, checkin.Visibility);
        state.State.Checkins.Add(entry);
        state.State.PendingFanout.Add(record.ToEvent());
        var previousLast = state.State.LastCheckinId;
        state.State.LastCheckinId = id;
        PruneCheckinKeys(now);
        if (checkin.IdempotencyKey is not null)
        {
            state.State.CheckinKeys[checkin.IdempotencyKey] = new KeyedCheckin(id, now);
        }
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Checkins.Remove(entry);
            state.State.PendingFanout.RemoveAt(state.State.PendingFanout.Count - 1);
            state.State.LastCheckinId = previousLast;
            if (checkin.IdempotencyKey is not null)
            {
                state.State.CheckinKeys.Remove(checkin.IdempotencyKey);
            }
            await grain.MarkDeleted(); // compensation: nobody was told the id
            throw;
        }
        ScheduleFanout();
        return record;
    }

    private void PruneCheckinKeys(DateTimeOffset now)
    {
        foreach (var (key, keyed) in state.State.CheckinKeys)
        {
            if (keyed.CreatedAt < now - CheckinKeyRetention)
            {
                state.State.CheckinKeys.Remove(key);
            }
        }
    }

    public async Task<bool> DeleteCheckin(string checkinId)
    {
        var entry = state.State.Checkins.Find(c => c.Id == checkinId);
        if (entry is null)
        {
            return false;
        }
        var record = await GrainFactory.GetGrain<ICheckinGrain>(checkinId).Get();
        await GrainFactory.GetGrain<ICheckinGrain>(checkinId).MarkDeleted();
        await EnsureFanoutReminder();
        state.State.Checkins.Remove(entry);
        state.State.PendingFanout.Add(new CheckinEvent(checkinId, Key, record?.Place.Id ?? "", entry.Visibility,
            record?.CreatedAt ?? clock.GetUtcNow(), Deleted: true));
        await state.WriteStateAsync();
        ScheduleFanout();
        return true;
    }

    public Task<List<CheckinEntry>> GetHistory(PageQuery page, bool includeFollowersOnly, bool includePrivate) =>
        Task.FromResult(page.Apply(
            Enumerable.Reverse(state.State.Checkins).Where(c =>
                c.Visibility == Visibility.Public ||
                (c.Visibility == Visibility.Followers && includeFollowersOnly) ||
                (c.Visibility == Visibility.Private && includePrivate)),
            c => c.Id));

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != FanoutReminder)
        {
            return;
        }
        if (state.State.PendingFanout.Count == 0)
        {
            // Kept while the author is busy (no reminder write per check-in); dropped once a tick finds nothing to do.
            if (await this.GetReminder(FanoutReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
            fanoutReminderActive = false;
            return;
        }
        DispatchFanout(olderThan: clock.GetUtcNow() - RedispatchAfter);
    }

    public async Task FanoutDelivered(string checkinId, bool deleted)
    {
        dispatched.Remove((checkinId, deleted));
        if (state.State.PendingFanout.RemoveAll(e => e.CheckinId == checkinId && e.Deleted == deleted) > 0)
        {
            await state.WriteStateAsync();
        }
    }

    private void ScheduleFanout() => DispatchFanout(olderThan: null);

    /// <summary>
    /// Hands pending events to fan-out workers without waiting for them, so this grain stays free for the author's
    /// next request. An event dispatched within <see cref="RedispatchAfter"/> is not sent again unless
    /// <paramref name="olderThan"/> says so (the reminder's retry); a reactivated grain has dispatched nothing.
    /// </summary>
    private void DispatchFanout(DateTimeOffset? olderThan)
    {
        var now = clock.GetUtcNow();
        foreach (var pending in state.State.PendingFanout)
        {
            var key = (pending.CheckinId, pending.Deleted);
            if (dispatched.TryGetValue(key, out var at) && (olderThan is null || at > olderThan))
            {
                continue;
            }
            dispatched[key] = now;
            GrainFactory.GetGrain<IFanoutWorkerGrain>(0).Deliver(pending).Ignore();
        }
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
