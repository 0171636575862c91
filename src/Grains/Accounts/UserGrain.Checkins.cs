using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;
using Herenow.Grains.Media;
using Herenow.Grains.Pages;

namespace Herenow.Grains.Accounts;

/// <summary>
/// Posting and deleting check-ins. A check-in is a row of the <c>checkins</c> table (CheckinStore), inserted through
/// the silo's group-commit writer: the post is acknowledged once that row has committed, and the row itself is the
/// outbox its fan-out is delivered from (UserGrain.Fanout.cs). This grain serialises its author's writes and keeps only
/// what is small in memory — the newest id (the author's logical clock), counts, held check-ins, the outbox — loaded
/// from the table on first need; nothing here grows with the author's history. docs/adr/0025-checkins-as-rows.md.
/// </summary>
public sealed partial class UserGrain
{
    private Task<AuthorCheckins>? mine;
    private Task<bool>? atprotoLinked;

    /// <summary>Whether this author has a linked AT Protocol account; read once, again after a profile update (the
    /// API links or unlinks right before it updates the profile).</summary>
    private Task<bool> AtprotoLinked()
    {
        if (atprotoLinked is null || atprotoLinked.IsFaulted || atprotoLinked.IsCanceled)
        {
            atprotoLinked = atproto.IsLinkedAsync(Key);
        }
        return atprotoLinked;
    }

    /// <summary>This author's check-in summary, loaded once per activation (one round trip) and kept current here.</summary>
    private Task<AuthorCheckins> Mine()
    {
        if (mine is null || mine.IsFaulted || mine.IsCanceled)
        {
            mine = LoadMineAsync();
        }
        return mine;
    }

    private async Task<AuthorCheckins> LoadMineAsync()
    {
        var loaded = await checkins.LoadAuthorAsync(Key);
        // Events a previous activation left in the outbox (it crashed, or was collected before they settled).
        foreach (var row in loaded.Outbox)
        {
            AddPending(row.ToEvent());
        }
        if (loaded.Outbox.Count > 0)
        {
            ScheduleFanout();
            loaded.Outbox.Clear(); // now in the pending list
        }
        SchedulePublishing(loaded);
        return loaded;
    }

    public async Task<CheckinRecord> PostCheckin(NewCheckin checkin)
    {
        if (!Exists)
        {
            throw new AccountGoneException(Key); // deleted, or being deleted, while the request was under way
        }
        if (CheckinRules.Check(checkin) is { Count: > 0 } broken)
        {
            throw new CheckinRejectedException(broken); // nothing written: the caller answers 422
        }
        var summary = await Mine();
        // Idempotency-Key: the key is stored with the row (unique per author), so a known key means that check-in
        // committed — return it rather than create a second. A check-in deleted since frees its key.
        if (checkin.IdempotencyKey is { } key && await checkins.FindByKeyAsync(Key, key) is { } earlier)
        {
            return earlier.Record;
        }

        var now = clock.GetUtcNow();
        now = now.AddTicks(-(now.Ticks % 10)); // PostgreSQL keeps microseconds: the 201 and a later read agree
        // Hybrid logical clock: strictly after this author's previous check-in, whatever this silo's clock says.
        var id = TimeOrderedId.NewAfter(summary.NewestId, now);
        IReadOnlyList<MediaAttachment> media = checkin.MediaIds.Count == 0 ? []
            : await mediaAttachments.AttachAsync(Key, id, checkin.MediaIds);
        // Post later: held until a time, or until the next check-in (this one releases the earlier ones, below).
        var publishAt = checkin.PublishDelay is { } delay && !checkin.UntilNextCheckin ? now + delay : (DateTimeOffset?)null;
        var held = publishAt is not null || checkin.UntilNextCheckin;
        var visibility = checkin.Visibility ?? state.State.DefaultVisibility;
        var record = new CheckinRecord(id, Key, checkin.Place, checkin.Latitude, checkin.Longitude, checkin.AccuracyM,
            checkin.Shout, visibility, checkin.MediaIds, now, 0, media,
            InPrivacyZone: PrivacyZone.Covers(state.State.PrivacyZones, checkin.Latitude, checkin.Longitude, checkin.Place),
            PublishAt: publishAt, HeldUntilNext: checkin.UntilNextCheckin);
        await ReleaseUntilNext(summary, now);
        await Edges(); // once per activation: the fan-out then takes the followers from memory
        await AtprotoLinked(); // likewise: whether the relay needs to queue anything for AT Protocol

        bool inserted;
        try
        {
            inserted = await writer.WriteAsync(new CheckinInsert(record, checkin.IdempotencyKey, held ? null : OutboxDue(now)));
        }
        catch
        {
            // Compensation: photos taken by a check-in that did not commit go back (a later post may take them anyway:
            // MediaAttachments only refuses photos held by a live check-in).
            if (media.Count > 0 && (await checkins.LiveAsync([id])).Count == 0)
            {
                await mediaAttachments.DetachAsync(id);
            }
            throw;
        }
        if (!inserted)
        {
            // Either the batch committed before its connection died and the row is ours after all, or the same key
            // committed concurrently through another route: return what the table holds.
            if (await checkins.GetAsync(id) is { DeletedAt: null } ours && ours.Record.Author == Key)
            {
                record = ours.Record;
            }
            else if (checkin.IdempotencyKey is not null && await checkins.FindByKeyAsync(Key, checkin.IdempotencyKey) is { } first)
            {
                return first.Record;
            }
            else
            {
                throw new InvalidOperationException($"Check-in {id} was neither inserted nor found.");
            }
        }

        summary = summary with { NewestId = id };
        mine = Task.FromResult(summary);
        history?.AddRange([new CheckinEntry(id, Key, visibility)]);
        summary.Counts[visibility] = summary.Counts.GetValueOrDefault(visibility) + 1;
        if (held)
        {
            summary.Held.Add((id, publishAt));
            SchedulePublishing(summary);
        }
        else
        {
            AddPending(record.ToEvent());
            ScheduleFanout();
        }
        return record;
    }

    public async Task<PostedCheckin> Post(NewCheckin checkin)
    {
        var record = await PostCheckin(checkin);
        return new PostedCheckin(record, await View(Key));
    }

    /// <summary>When the sweeper may take an event over from this activation (it should have settled long before).</summary>
    private DateTimeOffset OutboxDue(DateTimeOffset now) => now + fanout.Value.OutboxLease;

    public async Task<bool> DeleteCheckin(string checkinId)
    {
        var summary = await Mine();
        var grain = GrainFactory.GetGrain<ICheckinGrain>(checkinId);
        if (await grain.Get() is not { } current || current.Author != Key)
        {
            return false;
        }
        // The row becomes a tombstone with its delete in the outbox, in one statement; then the photos are given back
        // (if that fails, the clean-up finds them attached to a deleted check-in only after a retry of this call).
        if (await grain.MarkDeleted(OutboxDue(clock.GetUtcNow())) is not { } deleted)
        {
            return false;
        }
        await mediaAttachments.DetachAsync(checkinId);
        summary.Counts[deleted.Visibility] = Math.Max(0, summary.Counts.GetValueOrDefault(deleted.Visibility) - 1);
        summary.Held.RemoveAll(h => h.Id == checkinId); // a held check-in deleted before its release stays unpublished
        history?.Apply(deleted.ToEvent(deleted: true));
        AddPending(deleted.ToEvent(deleted: true));
        ScheduleFanout();
        return true;
    }

    public async Task<List<CheckinEntry>> GetHistory(PageQuery page, bool includeFollowersOnly, bool includePrivate)
    {
        List<Visibility> visibilities = [Visibility.Public];
        if (includeFollowersOnly) visibilities.Add(Visibility.Followers);
        if (includePrivate) visibilities.Add(Visibility.Private);
        return await checkins.HistoryAsync(Key, page, visibilities);
    }

    private const int HistoryWindow = 200;
    private FeedTimeline? history;

    public async Task<ViewPage?> GetHistoryView(PageQuery page, string? viewer)
    {
        var relationship = await GetRelationship(viewer);
        var card = await GetCard();
        if (!CheckinVisibility.MaySeeAuthor(relationship) || card is null)
        {
            return null;
        }
        if (history is null)
        {
            var window = new FeedTimeline(HistoryWindow);
            window.AddRange(await checkins.HistoryAsync(Key, PageQuery.First(HistoryWindow + 1), [Visibility.Public, Visibility.Followers, Visibility.Private]));
            history = window;
        }
        var entries = history.Page(page, e => CheckinVisibility.MaySee(e.Visibility, relationship));
        // Past the window (an author with more than it keeps, paging far back): the table answers, in one statement.
        if (history.Truncated && !(page.MinId is null && entries.Count == page.Limit))
        {
            entries = await GetHistory(page, CheckinVisibility.MaySee(Visibility.Followers, relationship),
                CheckinVisibility.MaySee(Visibility.Private, relationship));
        }
        // This grain is the author: its card and the viewer's relationship are known, so no call leaves the grain.
        var views = await pages.BuildAsync(entries, viewer, (_, _) => relationship,
            new Dictionary<string, PageCaches.Author>(StringComparer.Ordinal) { [Key] = new(card, null) });
        return ViewPage.Of(views, entries);
    }
}
