using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Herenow.Grains.Places;

/// <summary>
/// Check-in statistics of one place: a cache derived from the durable <c>checkins</c> rows, not a store of its own.
/// There is no persistent state: on activation the grain reads the rows (<see cref="PlaceVisits.LoadAsync"/>: the
/// per-account counts, every check-in of the last 60 days and at least the newest 200), and afterwards each
/// <see cref="RecordCheckin"/> only updates memory. That is safe because every figure can be rebuilt from the rows,
/// which the author's grain commits before any event about them is sent; so a check-in costs the place no database
/// write, and the busiest place no longer serialises check-ins through one activation's writes. Events arrive at
/// least once, repeated, and a delete may overtake its create (or a stale create follow its delete), so they are
/// applied idempotently by check-in id: the window in memory, and tombstones of deleted ids.
/// Visibility: private check-ins are kept (their author may list them) but count toward nothing others see:
/// neither checkins_count, visitors, here-now nor the mayor. Followers-only check-ins count in checkins_count,
/// visitors and here-now (numbers that name nobody); only public ones make a mayor, as the contract says.
/// Check-ins in a privacy zone, deleted ones and those not yet published are not the place's at all.
/// </summary>
public sealed class PlaceGrain(
    NpgsqlDataSource database,
    PlaceCache places,
    LocalPlaces local,
    TimeProvider siloClock,
    [FromKeyedServices(PlaceGrain.ClockKey)] TimeProvider? placeClock = null) : Grain, IPlaceGrain
{
    /// <summary>
    /// Services key of an optional clock for place statistics alone. Tests register one to move days forward and back;
    /// replacing the silo's TimeProvider instead would move Orleans' own schedules (activation collection) with it.
    /// The window read on activation is computed from it too (not from the database's now()).
    /// </summary>
    public const string ClockKey = "places";

    public const int RecentCapacity = 200;
    public static readonly TimeSpan HereNowWindow = TimeSpan.FromHours(3);
    public static readonly TimeSpan MayorWindow = TimeSpan.FromDays(60);

    /// <summary>
    /// How far a check-in id's clock may run ahead of this silo's (ids are a hybrid logical clock on the author's
    /// silo): a create event with an id below activation + this may be about a row the snapshot already judged.
    /// </summary>
    public static readonly TimeSpan IdClockSkew = TimeSpan.FromMinutes(1);

    private const int TombstoneCapacity = 1000;

    private readonly TimeProvider clock = placeClock ?? siloClock;
    private readonly PlaceVisits visits = new(database);
    private PlaceDetails? details;

    /// <summary>Each account with counted check-ins here ever, and how many: the distinct visitors.</summary>
    private Dictionary<string, int> visitors = new(StringComparer.Ordinal);

    /// <summary>Public and followers-only check-ins here, ever.</summary>
    private int checkinsCount;

    /// <summary>Newest first by id: every check-in of the last 60 days, and at least the newest 200.</summary>
    private List<PlaceCheckinRef> checkins = [];

    /// <summary>Deleted check-in ids seen by this activation, so that repeats and late creates change nothing.</summary>
    private readonly HashSet<string> tombstones = new(StringComparer.Ordinal);
    private readonly Queue<string> tombstoneOrder = new();

    /// <summary>When the snapshot was read: by this grain's clock, as an id bound (+ skew), and by the database's clock.</summary>
    private DateTimeOffset loadedAt;
    private string loadedBefore = "";
    private DateTimeOffset loadedAtDatabase;

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Registered first: from here on this silo delivers the place's check-in events; earlier ones are in the rows.
        local.Register(Key);
        details = await places.GetAsync(Key, cancellationToken);
        loadedAt = clock.GetUtcNow();
        var snapshot = await visits.LoadAsync(Key, loadedAt, TimeOrderedId.MinAt(loadedAt - MayorWindow), RecentCapacity,
            cancellationToken);
        visitors = snapshot.Visitors;
        checkinsCount = visitors.Values.Sum();
        checkins = snapshot.Checkins;
        loadedBefore = TimeOrderedId.MinAt(loadedAt + IdClockSkew);
        loadedAtDatabase = snapshot.DatabaseNow;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        local.Unregister(Key);
        return Task.CompletedTask;
    }

    public async Task<PlaceView?> GetPlace()
    {
        // A miss is not remembered: an imported place may appear after someone asked for its id.
        details ??= await places.GetAsync(Key);
        if (details is null)
        {
            if (checkins.Count == 0 && checkinsCount == 0)
            {
                DeactivateOnIdle(); // nothing here; do not keep an activation per unknown id
            }
            return null;
        }
        var now = clock.GetUtcNow();
        var hereNow = checkins
            .Where(c => c.Visibility != Visibility.Private && c.CreatedAt >= now - HereNowWindow)
            .Select(c => c.Author).Distinct().Count();
        var stats = new PlaceStats(checkinsCount, visitors.Count, hereNow);
        return new PlaceView(details, stats, Mayor(now));
    }

    /// <summary>
    /// Memory only; it reads a row (never writes one) just for an event it cannot judge from memory: one about a
    /// check-in made before this activation's snapshot that the snapshot does not hold. That is rare (an event in
    /// flight while the grain activated, a held check-in's release, a stale or repeated event after a reactivation).
    /// </summary>
    public async Task RecordCheckin(CheckinEvent checkin)
    {
        if (checkin.PlaceId != Key)
        {
            return; // not ours: a misrouted event must not count here
        }
        var now = clock.GetUtcNow();
        if (checkin.Deleted)
        {
            await ApplyDelete(checkin, now);
        }
        else if (await ApplyCreate(checkin, now))
        {
            Prune(now);
        }
    }

    public Task<List<PlaceCheckinRef>> GetRecent(PageQuery page) => Task.FromResult(page.Apply(checkins, c => c.Id));

    public async Task<Pages.ViewPage?> GetFeedView(PageQuery page, string? viewer)
    {
        var entries = page.Apply(checkins, c => c.Id).Select(r => new CheckinEntry(r.Id, r.Author, r.Visibility)).ToList();
        // Check-ins are only recorded at existing places, so only an empty page needs the existence check.
        if (entries.Count == 0 && await GetPlace() is null)
        {
            return null;
        }
        var pages = ServiceProvider.GetRequiredService<Pages.PageBuilder>();
        return Pages.ViewPage.Of(await pages.BuildAsync(entries, viewer), entries);
    }

    private async Task<bool> ApplyCreate(CheckinEvent checkin, DateTimeOffset now)
    {
        if (checkin.InPrivacyZone || tombstones.Contains(checkin.CheckinId))
        {
            return false; // nothing for a place; or deleted already (the delete overtook it, or a late repeat)
        }
        // Newest first by id; the new one usually goes to the front.
        var index = checkins.FindIndex(c => string.CompareOrdinal(c.Id, checkin.CheckinId) <= 0);
        if (index >= 0 && checkins[index].Id == checkin.CheckinId)
        {
            return false; // a repeat, or one the snapshot read
        }
        if (checkin.CreatedAt < now - MayorWindow)
        {
            // Older than the window: if its row counts, the snapshot's counts have it already (a repeat of a pruned
            // one, or one read on activation). Only an outbox stuck for 60 days would deliver a new one this late.
            return false;
        }
        var entry = new PlaceCheckinRef(checkin.CheckinId, checkin.Author, checkin.Visibility, checkin.CreatedAt);
        if (string.CompareOrdinal(checkin.CheckinId, loadedBefore) < 0)
        {
            // Made before the snapshot, which does not hold it: committed after the read, released since, or deleted
            // before the read (a stale create). The row says which. Nothing above changes during the read: the grain
            // is not reentrant.
            var row = await visits.FindAsync(Key, checkin.CheckinId);
            if (row is null || row.DeletedAt is not null)
            {
                Tombstone(checkin.CheckinId); // deleted (or purged after its delete was delivered)
                return false;
            }
            if (row.InPrivacyZone || row.HeldUntilNext)
            {
                return false; // not the place's (yet): a release is sent when it is
            }
            entry = new PlaceCheckinRef(checkin.CheckinId, row.Author, row.Visibility, row.CreatedAt);
        }
        checkins.Insert(index < 0 ? checkins.Count : index, entry);
        Count(entry.Author, entry.Visibility, +1);
        return true;
    }

    private async Task ApplyDelete(CheckinEvent checkin, DateTimeOffset now)
    {
        if (!Tombstone(checkin.CheckinId))
        {
            return; // a repeated delete
        }
        var index = checkins.FindIndex(c => c.Id == checkin.CheckinId);
        if (index >= 0)
        {
            var entry = checkins[index];
            checkins.RemoveAt(index);
            Count(entry.Author, entry.Visibility, -1);
            return;
        }
        if (checkin.CreatedAt >= now - MayorWindow || checkin.InPrivacyZone || checkin.Visibility == Visibility.Private)
        {
            // Within the window, so not counted (the delete overtook its create, which the tombstone now stops, or it
            // was deleted before the snapshot); or never counted anywhere.
            return;
        }
        // Older than the window: counted by the snapshot unless it was already deleted then (a repeat of a delete an
        // earlier activation applied: the outbox sends in-flight events again after a silo dies) or never counted.
        var row = await visits.FindAsync(Key, checkin.CheckinId);
        if (row is null)
        {
            return; // purged, which happens only after its delete was delivered: before this snapshot
        }
        if (row.DeletedAt is not { } deletedAt)
        {
            ForgetTombstone(checkin.CheckinId); // not deleted after all: let the real delete count when it comes
            return;
        }
        if (deletedAt < loadedAtDatabase || row.InPrivacyZone || row.HeldUntilNext || row.PublishAt > loadedAt)
        {
            return; // the snapshot did not count it
        }
        Count(row.Author, row.Visibility, -1);
    }

    /// <summary>Remembers a deleted id; false when it was known already.</summary>
    private bool Tombstone(string id)
    {
        if (!tombstones.Add(id))
        {
            return false;
        }
        tombstoneOrder.Enqueue(id);
        while (tombstoneOrder.Count > TombstoneCapacity)
        {
            tombstones.Remove(tombstoneOrder.Dequeue());
        }
        return true;
    }

    private void ForgetTombstone(string id)
    {
        if (tombstones.Remove(id))
        {
            var kept = tombstoneOrder.Where(t => t != id).ToList();
            tombstoneOrder.Clear();
            foreach (var t in kept)
            {
                tombstoneOrder.Enqueue(t);
            }
        }
    }

    private void Count(string author, Visibility visibility, int delta)
    {
        if (visibility == Visibility.Private)
        {
            return;
        }
        checkinsCount = Math.Max(0, checkinsCount + delta);
        var ofAuthor = visitors.GetValueOrDefault(author) + delta;
        if (ofAuthor > 0)
        {
            visitors[author] = ofAuthor;
        }
        else
        {
            visitors.Remove(author);
        }
    }

    /// <summary>Keeps the newest <see cref="RecentCapacity"/> whatever their age, and everything within the mayor window.</summary>
    private void Prune(DateTimeOffset now)
    {
        var horizon = now - MayorWindow;
        while (checkins.Count > RecentCapacity && checkins[^1].CreatedAt < horizon)
        {
            checkins.RemoveAt(checkins.Count - 1);
        }
    }

    /// <summary>
    /// The account with the most distinct UTC days with a public check-in here over the last 60 days; a tie goes to
    /// the one whose latest such check-in is the most recent.
    /// </summary>
    private string? Mayor(DateTimeOffset now) => checkins
        .Where(c => c.Visibility == Visibility.Public && c.CreatedAt >= now - MayorWindow)
        .GroupBy(c => c.Author, StringComparer.Ordinal)
        .Select(g => (
            Author: g.Key,
            Days: g.Select(c => DateOnly.FromDateTime(c.CreatedAt.UtcDateTime)).Distinct().Count(),
            Latest: g.Max(c => c.CreatedAt),
            LatestId: g.Select(c => c.Id).Max(StringComparer.Ordinal)!))
        .OrderByDescending(m => m.Days)
        .ThenByDescending(m => m.Latest)
        .ThenByDescending(m => m.LatestId, StringComparer.Ordinal)
        .Select(m => m.Author)
        .FirstOrDefault();
}
