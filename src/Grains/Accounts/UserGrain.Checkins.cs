using Orleans.Storage;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;
using Herenow.Grains.Media;

namespace Herenow.Grains.Accounts;

/// <summary>
/// Posting and deleting check-ins. Posting is a saga: (1) the check-in's own record is written, (2) this user's
/// history and a pending fan-out event are written together; only then is the post acknowledged. If (2) fails, (1)
/// is compensated. The fan-out itself runs after the acknowledgement, from that durable outbox (UserGrain.Fanout.cs).
/// Photos are attached first (step 0, a row update in the media table): a refused photo leaves nothing behind.
/// </summary>
public sealed partial class UserGrain
{
    // The API remembers responses for 24 h too; a key older than that is pruned and may create again.
    private static readonly TimeSpan CheckinKeyRetention = TimeSpan.FromHours(24);

    public async Task<CheckinRecord> PostCheckin(NewCheckin checkin)
    {
        if (!Exists)
        {
            throw new AccountGoneException(Key); // deleted, or being deleted, while the request was under way
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
        // Photos attached to a check-in that never committed (a failed earlier attempt) are free to take again: only
        // this grain writes this author's check-ins, and its history is the list of those that committed.
        IReadOnlyList<MediaAttachment> media = checkin.MediaIds.Count == 0 ? []
            : await mediaAttachments.AttachAsync(Key, id, checkin.MediaIds, IsCommitted);
        // Post later: held until a time, or until the next check-in (this one releases the earlier ones, below).
        var publishAt = checkin.PublishDelay is { } delay && !checkin.UntilNextCheckin ? now + delay : (DateTimeOffset?)null;
        var held = publishAt is not null || checkin.UntilNextCheckin;
        var record = new CheckinRecord(id, Key, checkin.Place, checkin.Latitude, checkin.Longitude, checkin.AccuracyM,
            checkin.Shout, checkin.Visibility, checkin.MediaIds, now, 0, media,
            InPrivacyZone: PrivacyZone.Covers(state.State.PrivacyZones, checkin.Latitude, checkin.Longitude, checkin.Place),
            PublishAt: publishAt, HeldUntilNext: checkin.UntilNextCheckin);
        var released = await ReleaseUntilNext(now);

        var grain = GrainFactory.GetGrain<ICheckinGrain>(id);
        await grain.Create(record);
        await EnsureFanoutReminder();

        var entry = new CheckinEntry(id, Key, checkin.Visibility);
        state.State.Checkins.Add(entry);
        var heldBefore = state.State.Held.ToList();
        state.State.Held.RemoveAll(h => released.ContainsKey(h.CheckinId));
        state.State.PendingFanout.AddRange(released.Values.Select(r => r.ToEvent()));
        if (held)
        {
            state.State.Held.Add(new HeldCheckin(id, publishAt));
        }
        else
        {
            state.State.PendingFanout.Add(record.ToEvent());
        }
        PruneSettledFanout(); // rides along with this write instead of costing one of its own
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
        catch (Exception e)
        {
            state.State.Checkins.Remove(entry);
            state.State.PendingFanout.RemoveAll(e => e.CheckinId == id || released.ContainsKey(e.CheckinId));
            state.State.Held = heldBefore;
            state.State.LastCheckinId = previousLast;
            if (checkin.IdempotencyKey is not null)
            {
                state.State.CheckinKeys.Remove(checkin.IdempotencyKey);
            }
            if (e is InconsistentStateException)
            {
                await grain.MarkDeleted(); // compensation: certainly not written, and nobody was told the id
                if (media.Count > 0)
                {
                    await mediaAttachments.DetachAsync(id);
                }
            }
            else
            {
                // Ambiguous: the database may have committed before the connection died. Then the check-in exists and
                // a retry with the same Idempotency-Key must find it, so it is not compensated; if it did not commit,
                // the record is referenced by no history and its id was given to nobody. Either way this activation's
                // version (ETag) can no longer be trusted: the next call reloads the stored state.
                DeactivateOnIdle();
            }
            throw;
        }
        ScheduleFanout();
        SchedulePublishing();
        return record;
    }

    private bool IsCommitted(string checkinId) => state.State.Checkins.Exists(c => c.Id == checkinId);

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
        // Before the history entry goes: if this fails, deleting again repeats every step. The photos become unattached
        // and the clean-up removes them (or the author attaches them to another check-in: delete and redraft).
        await mediaAttachments.DetachAsync(checkinId);
        await EnsureFanoutReminder();
        state.State.Checkins.Remove(entry);
        state.State.Held.RemoveAll(h => h.CheckinId == checkinId); // a held check-in deleted before its release stays unpublished
        state.State.PendingFanout.Add(new CheckinEvent(checkinId, Key, record?.Place.Id ?? "", entry.Visibility,
            record?.CreatedAt ?? clock.GetUtcNow(), Deleted: true, InPrivacyZone: record?.InPrivacyZone ?? false));
        PruneSettledFanout();
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
}
