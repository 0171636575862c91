using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Herenow.Grains.Places;

/// <summary>
/// Check-in statistics of one place. Events arrive at least once and deletes may overtake creates, so every event
/// is applied idempotently by check-in id: the grain keeps each check-in of the last 60 days (which the mayor rule
/// needs anyway) plus the newest 200, and tombstones of deleted ids.
/// Visibility: private check-ins are kept (their author may list them) but count toward nothing others see:
/// neither checkins_count, visitors, here-now nor the mayor. Followers-only check-ins count in checkins_count,
/// visitors and here-now (numbers that name nobody); only public ones make a mayor, as the contract says.
/// </summary>
public sealed class PlaceGrain(
    [PersistentState("place")] IPersistentState<PlaceState> state,
    NpgsqlDataSource database,
    TimeProvider siloClock,
    [FromKeyedServices(PlaceGrain.ClockKey)] TimeProvider? placeClock = null) : Grain, IPlaceGrain
{
    /// <summary>
    /// Services key of an optional clock for place statistics alone. Tests register one to move days forward and back;
    /// replacing the silo's TimeProvider instead would move Orleans' own schedules (activation collection) with it.
    /// </summary>
    public const string ClockKey = "places";

    public const int RecentCapacity = 200;
    public static readonly TimeSpan HereNowWindow = TimeSpan.FromHours(3);
    public static readonly TimeSpan MayorWindow = TimeSpan.FromDays(60);
    private const int TombstoneCapacity = 1000;

    private readonly TimeProvider clock = placeClock ?? siloClock;
    private readonly PlaceDirectory directory = new(database, siloClock);
    private PlaceDetails? details;

    private string Key => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        details = await directory.GetAsync(Key, cancellationToken);
    }

    public async Task<PlaceView?> GetPlace()
    {
        // A miss is not remembered: an imported place may appear after someone asked for its id.
        details ??= await directory.GetAsync(Key);
        if (details is null)
        {
            if (state.State.Checkins.Count == 0 && state.State.CheckinsCount == 0)
            {
                DeactivateOnIdle(); // nothing here; do not keep an activation per unknown id
            }
            return null;
        }
        var now = clock.GetUtcNow();
        var hereNow = state.State.Checkins
            .Where(c => c.Visibility != Visibility.Private && c.CreatedAt >= now - HereNowWindow)
            .Select(c => c.Author).Distinct().Count();
        var stats = new PlaceStats(state.State.CheckinsCount, state.State.Visitors.Count, hereNow);
        return new PlaceView(details, stats, Mayor(now));
    }

    public async Task RecordCheckin(CheckinEvent checkin)
    {
        if (checkin.PlaceId != Key)
        {
            return; // not ours: a misrouted event must not count here
        }
        var now = clock.GetUtcNow();
        var changed = checkin.Deleted ? ApplyDelete(checkin, now) : ApplyCreate(checkin, now);
        if (changed)
        {
            Prune(now);
            // Acknowledged = durable: the sender's outbox drops the event only after this returns.
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                // The change is applied in memory only: start over from storage, or the retry would look like a repeat.
                DeactivateOnIdle();
                throw;
            }
        }
    }

    public Task<List<PlaceCheckinRef>> GetRecent(PageQuery page) => Task.FromResult(page.Apply(state.State.Checkins, c => c.Id));

    private bool ApplyCreate(CheckinEvent checkin, DateTimeOffset now)
    {
        var checkins = state.State.Checkins;
        if (state.State.Tombstones.Contains(checkin.CheckinId))
        {
            return false; // deleted already (the delete overtook it, or this is a late repeat)
        }
        // Newest first by id; the new one usually goes to the front.
        var index = checkins.FindIndex(c => string.CompareOrdinal(c.Id, checkin.CheckinId) <= 0);
        if (index >= 0 && checkins[index].Id == checkin.CheckinId)
        {
            return false; // a repeat
        }
        if (checkin.CreatedAt < now - MayorWindow)
        {
            // Older than what is kept: a repeat of a pruned check-in cannot be told from a new one, so it is not
            // counted. Only an outbox stuck for 60 days would deliver a new one this late.
            return false;
        }
        checkins.Insert(index < 0 ? checkins.Count : index,
            new PlaceCheckinRef(checkin.CheckinId, checkin.Author, checkin.Visibility, checkin.CreatedAt));
        Count(checkin.Author, checkin.Visibility, +1);
        return true;
    }

    private bool ApplyDelete(CheckinEvent checkin, DateTimeOffset now)
    {
        if (state.State.Tombstones.Contains(checkin.CheckinId))
        {
            return false; // a repeated delete
        }
        state.State.Tombstones.Add(checkin.CheckinId);
        if (state.State.Tombstones.Count > TombstoneCapacity)
        {
            state.State.Tombstones.RemoveAt(0);
        }
        var index = state.State.Checkins.FindIndex(c => c.Id == checkin.CheckinId);
        if (index >= 0)
        {
            var entry = state.State.Checkins[index];
            state.State.Checkins.RemoveAt(index);
            Count(entry.Author, entry.Visibility, -1);
        }
        else if (checkin.CreatedAt < now - MayorWindow)
        {
            // Pruned long ago, so it was counted when it arrived.
            Count(checkin.Author, checkin.Visibility, -1);
        }
        // Otherwise the delete overtook its create: the tombstone keeps the create from counting when it arrives.
        return true;
    }

    private void Count(string author, Visibility visibility, int delta)
    {
        if (visibility == Visibility.Private)
        {
            return;
        }
        state.State.CheckinsCount = Math.Max(0, state.State.CheckinsCount + delta);
        var visits = state.State.Visitors.GetValueOrDefault(author) + delta;
        if (visits > 0)
        {
            state.State.Visitors[author] = visits;
        }
        else
        {
            state.State.Visitors.Remove(author);
        }
    }

    /// <summary>Keeps the newest <see cref="RecentCapacity"/> whatever their age, and everything within the mayor window.</summary>
    private void Prune(DateTimeOffset now)
    {
        var checkins = state.State.Checkins;
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
    private string? Mayor(DateTimeOffset now) => state.State.Checkins
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

[GenerateSerializer, Alias("herenow.place-state")]
public sealed class PlaceState
{
    /// <summary>Public and followers-only check-ins here, ever (private ones are not counted).</summary>
    [Id(0)] public int CheckinsCount { get; set; }

    /// <summary>Each account with a counted check-in here, and how many it has: the distinct visitors.</summary>
    [Id(1)] public Dictionary<string, int> Visitors { get; set; } = [];

    /// <summary>Newest first by id: every check-in of the last 60 days, and at least the newest 200.</summary>
    [Id(2)] public List<PlaceCheckinRef> Checkins { get; set; } = [];

    /// <summary>Recently deleted check-in ids, oldest first, so that repeats and late creates change nothing.</summary>
    [Id(3)] public List<string> Tombstones { get; set; } = [];
}
