using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;

namespace Herenow.Grains.Accounts;

/// <summary>
/// Posting and deleting check-ins, and their fan-out. Posting is a saga: (1) the check-in's own record is written,
/// (2) this user's history and a pending fan-out event are written together; only then is the post acknowledged.
/// If (2) fails, (1) is compensated. Fan-out runs after the acknowledgement from the durable pending list
/// (an outbox): delivered at least once, removed only once every feed has been handed the event, resumed on
/// reactivation and by a reminder if the silo dies mid-way.
/// </summary>
public sealed partial class UserGrain
{
    private const string FanoutReminder = "fanout";
    private const int FanoutBatchSize = 1000;
    // The API remembers responses for 24 h too; a key older than that is pruned and may create again.
    private static readonly TimeSpan CheckinKeyRetention = TimeSpan.FromHours(24);
    private IGrainTimer? fanoutTimer;
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
        if (reminderName == FanoutReminder)
        {
            await DrainFanout();
        }
    }

    private void ScheduleFanout()
    {
        // One pending drain at a time; it runs as a normal grain turn after the current request completes.
        fanoutTimer ??= this.RegisterGrainTimer(async _ =>
        {
            fanoutTimer?.Dispose();
            fanoutTimer = null;
            await DrainFanout();
        }, (object?)null, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
    }

    private async Task EnsureFanoutReminder()
    {
        if (!fanoutReminderActive)
        {
            // Written before the acknowledgement, so a crash before the drain still leaves a way back in.
            await this.RegisterOrUpdateReminder(FanoutReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            fanoutReminderActive = true;
        }
    }

    private async Task DrainFanout()
    {
        var delivery = new FanoutDelivery(this.GetStreamProvider(Streams.StreamNames.Provider), GrainFactory);
        while (state.State.PendingFanout.Count > 0)
        {
            var next = state.State.PendingFanout[0];
            // Followers are read from the table a page at a time, never all at once; the event leaves the outbox
            // only after the last page was handed off.
            await delivery.DeliverAsync(next, graph.FollowerBatchesAsync(Key, FanoutBatchSize));
            state.State.PendingFanout.RemoveAt(0);
            await state.WriteStateAsync();
        }
        var reminder = await this.GetReminder(FanoutReminder);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
        fanoutReminderActive = false;
    }
}
