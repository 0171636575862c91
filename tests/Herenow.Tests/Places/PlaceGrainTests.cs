using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Places;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Herenow.Tests.Places;

/// <summary>
/// A clock the test sets, for place statistics only (<see cref="PlaceGrain.ClockKey"/>). It keeps ticking from the set
/// instant at the real rate; the tests work in hours and days, where those seconds do not matter.
/// </summary>
public sealed class TestClock : TimeProvider
{
    private DateTimeOffset setTo = DateTimeOffset.UtcNow;
    private long setAt = TimeProvider.System.GetTimestamp();

    public DateTimeOffset Now
    {
        get => GetUtcNow();
        set
        {
            setTo = value;
            setAt = TimeProvider.System.GetTimestamp();
        }
    }

    public override DateTimeOffset GetUtcNow() => setTo + TimeProvider.System.GetElapsedTime(setAt);
}

public sealed class PlaceClusterFixture : IAsyncLifetime
{
    public TestClock Clock { get; } = new();
    public TestClusterHost Host { get; private set; } = null!;
    public CheckinRows Rows { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await TestClusterHost.StartAsync(services: s => s.AddKeyedSingleton<TimeProvider>(PlaceGrain.ClockKey, Clock));
        Rows = new CheckinRows(Host.Database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await Rows.DisposeAsync();
        await Host.DisposeAsync();
    }
}

/// <summary>
/// The place grain is a cache over the checkins rows: each test writes rows as the check-in store would (before the
/// event), delivers the events the fan-out would, and checks both what the live activation holds and what a fresh
/// activation rebuilds from the rows alone.
/// </summary>
public sealed class PlaceGrainTests(PlaceClusterFixture fixture) : IClassFixture<PlaceClusterFixture>
{
    // Noon UTC of a fixed day, so that "the same UTC day" is unambiguous in every test.
    private static readonly DateTimeOffset Noon = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);
    private readonly TestClock clock = fixture.Clock;
    private readonly CheckinRows rows = fixture.Rows;

    private async Task<(IPlaceGrain Grain, string Id)> NewPlace()
    {
        await using var dataSource = NpgsqlDataSource.Create(fixture.Host.Database.ConnectionString);
        var place = await new PlaceDirectory(dataSource, TimeProvider.System)
            .CreateAsync(new NewPlace("Kiez Café", 52.5, 13.4, "cafe", "Weserstraße 1", null));
        return (fixture.Host.Client.GetGrain<IPlaceGrain>(place.Id), place.Id);
    }

    /// <summary>
    /// A check-in made "now" (the clock is moved to it first, as in real life): its row is committed, then the place
    /// gets the event, the order the write path guarantees.
    /// </summary>
    private async Task<CheckinEvent> CheckInAt(IPlaceGrain grain, string placeId, string author, DateTimeOffset at,
        Visibility visibility = Visibility.Public)
    {
        clock.Now = at;
        var checkin = await rows.InsertAsync(placeId, author, at, visibility);
        await grain.RecordCheckin(checkin);
        return checkin;
    }

    private async Task<CheckinEvent> Delete(IPlaceGrain grain, CheckinEvent checkin)
    {
        var deleted = await rows.DeleteAsync(checkin);
        await grain.RecordCheckin(deleted);
        return deleted;
    }

    private static async Task<(PlaceView View, List<PlaceCheckinRef> Recent)> Figures(IPlaceGrain grain) =>
        ((await grain.GetPlace())!, await grain.GetRecent(PageQuery.First(1000)));

    /// <summary>Deactivates the grain and checks that the next activation rebuilds the same figures from the rows.</summary>
    private async Task AssertRebuiltFromRows(IPlaceGrain grain)
    {
        var (view, recent) = await Figures(grain);
        await fixture.Host.Cluster.DeactivateAsync(grain);
        var (rebuilt, rebuiltRecent) = await Figures(grain);
        Assert.Equal(view.Stats, rebuilt.Stats);
        Assert.Equal(view.Mayor, rebuilt.Mayor);
        Assert.Equal(recent.Select(c => (c.Id, c.Author, c.Visibility)), rebuiltRecent.Select(c => (c.Id, c.Author, c.Visibility)));
    }

    [Fact]
    public async Task Unknown_place_is_null()
    {
        Assert.Null(await fixture.Host.Client.GetGrain<IPlaceGrain>("no-such-place").GetPlace());
    }

    [Fact]
    public async Task Place_view_has_the_tables_details_and_empty_stats()
    {
        var (grain, id) = await NewPlace();

        var view = await grain.GetPlace();

        Assert.NotNull(view);
        Assert.Equal(id, view.Place.Id);
        Assert.Equal("Kiez Café", view.Place.Name);
        Assert.Equal("Weserstraße 1", view.Place.Address);
        Assert.Equal(new PlaceStats(0, 0, 0), view.Stats);
        Assert.Null(view.Mayor);
    }

    [Fact]
    public async Task Activation_reads_counts_recent_and_mayor_from_the_rows_and_skips_what_is_not_the_places()
    {
        var (grain, id) = await NewPlace();
        var (_, elsewhere) = await NewPlace();
        clock.Now = Noon;
        var alice1 = await rows.InsertAsync(id, "alice", Noon.AddDays(-2));
        var alice2 = await rows.InsertAsync(id, "alice", Noon.AddHours(-1));
        var bob = await rows.InsertAsync(id, "bob", Noon.AddMinutes(-30), Visibility.Followers);
        var carol = await rows.InsertAsync(id, "carol", Noon.AddMinutes(-20), Visibility.Private);
        var old = await rows.InsertAsync(id, "old", Noon.AddDays(-100)); // outside the window: counts, no mayor days
        var zone = await rows.InsertAsync(id, "dave", Noon.AddMinutes(-10), inPrivacyZone: true);
        var held = await rows.InsertAsync(id, "erin", Noon.AddMinutes(-9), heldUntilNext: true);
        var later = await rows.InsertAsync(id, "frank", Noon.AddMinutes(-8), publishAt: Noon.AddHours(1));
        var deleted = await rows.InsertAsync(id, "gina", Noon.AddMinutes(-7), deleted: true);
        await rows.InsertAsync(elsewhere, "hank", Noon.AddMinutes(-6));

        var (view, recent) = await Figures(grain);

        // Counted: alice's two, bob's (followers-only) and old's; visitors alice, bob, old; here now alice and bob.
        Assert.Equal(new PlaceStats(4, 3, 2), view.Stats);
        Assert.Equal("alice", view.Mayor);
        Assert.Equal(new[] { carol.CheckinId, bob.CheckinId, alice2.CheckinId, alice1.CheckinId, old.CheckinId },
            recent.Select(c => c.Id));
        Assert.Equal(Visibility.Private, recent[0].Visibility);

        // Events about what the activation read change nothing; nor do events about what is not the place's.
        foreach (var repeat in new[] { alice1, alice2, bob, carol, old, zone, deleted })
        {
            await grain.RecordCheckin(repeat);
        }
        await grain.RecordCheckin(alice1 with { PlaceId = elsewhere });
        Assert.Equal(view.Stats, (await grain.GetPlace())!.Stats);
        Assert.Equal(5, (await grain.GetRecent(PageQuery.First(1000))).Count);
        Assert.DoesNotContain(await grain.GetRecent(PageQuery.First(1000)),
            c => c.Id == held.CheckinId || c.Id == later.CheckinId || c.Id == zone.CheckinId || c.Id == deleted.CheckinId);
    }

    [Fact]
    public async Task A_checkin_writes_no_grain_state()
    {
        var (grain, id) = await NewPlace();
        await CheckInAt(grain, id, "alice", Noon);
        await Delete(grain, await CheckInAt(grain, id, "bob", Noon.AddMinutes(1)));
        await fixture.Host.Cluster.DeactivateAsync(grain);

        Assert.Equal(0L, await fixture.Host.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM orleans_storage WHERE grain_id_extension = '{id}'"));
        Assert.Equal(new PlaceStats(1, 1, 1), (await grain.GetPlace())!.Stats);
    }

    [Fact]
    public async Task A_repeated_event_counts_once_and_stats_survive_reactivation()
    {
        var (grain, id) = await NewPlace();
        var checkin = await CheckInAt(grain, id, "alice", Noon);

        await grain.RecordCheckin(checkin);
        await CheckInAt(grain, id, "alice", Noon.AddMinutes(1));
        await fixture.Host.Cluster.DeactivateAsync(grain);
        await grain.RecordCheckin(checkin);

        var view = await grain.GetPlace();
        Assert.Equal(new PlaceStats(2, 1, 1), view!.Stats);
        Assert.Equal(2, (await grain.GetRecent(PageQuery.First(10))).Count);
    }

    [Fact]
    public async Task Events_after_activation_update_memory_and_match_what_the_rows_rebuild()
    {
        var (grain, id) = await NewPlace();
        clock.Now = Noon.AddHours(-2);
        await rows.InsertAsync(id, "alice", Noon.AddDays(-1));
        Assert.Equal(new PlaceStats(1, 1, 0), (await grain.GetPlace())!.Stats); // activated on the rows

        await CheckInAt(grain, id, "bob", Noon.AddHours(-1));
        var carol = await CheckInAt(grain, id, "carol", Noon, Visibility.Followers);
        await grain.RecordCheckin(carol);

        Assert.Equal(new PlaceStats(3, 3, 2), (await grain.GetPlace())!.Stats);
        await AssertRebuiltFromRows(grain);
    }

    [Fact]
    public async Task A_deleted_checkin_is_removed_and_repeats_of_either_event_change_nothing()
    {
        var (grain, id) = await NewPlace();
        var kept = await CheckInAt(grain, id, "alice", Noon);
        var created = await CheckInAt(grain, id, "bob", Noon.AddMinutes(5));

        var deleted = await Delete(grain, created);
        await grain.RecordCheckin(deleted);
        await grain.RecordCheckin(created);

        var view = await grain.GetPlace();
        Assert.Equal(new PlaceStats(1, 1, 1), view!.Stats);
        Assert.Equal("alice", view.Mayor);
        Assert.Equal(new[] { kept.CheckinId }, (await grain.GetRecent(PageQuery.First(10))).Select(c => c.Id));
        await AssertRebuiltFromRows(grain);

        // A fresh activation never saw the delete: a stale create is judged against the row.
        await grain.RecordCheckin(created);
        Assert.Equal(new PlaceStats(1, 1, 1), (await grain.GetPlace())!.Stats);
        Assert.Single(await grain.GetRecent(PageQuery.First(10)));
        await grain.RecordCheckin(deleted);
        Assert.Equal(new PlaceStats(1, 1, 1), (await grain.GetPlace())!.Stats);
    }

    [Fact]
    public async Task A_delete_that_overtakes_its_create_keeps_the_create_from_counting()
    {
        var (grain, id) = await NewPlace();
        clock.Now = Noon;
        await grain.GetPlace(); // active before the row exists, so the create is news to it
        var checkin = await rows.InsertAsync(id, "alice", Noon);
        var deleted = await rows.DeleteAsync(checkin);

        await grain.RecordCheckin(deleted);
        await grain.RecordCheckin(checkin);

        Assert.Equal(new PlaceStats(0, 0, 0), (await grain.GetPlace())!.Stats);
        Assert.Empty(await grain.GetRecent(PageQuery.First(10)));
        await AssertRebuiltFromRows(grain);
        await grain.RecordCheckin(checkin); // a stale create reaching the next activation
        Assert.Equal(new PlaceStats(0, 0, 0), (await grain.GetPlace())!.Stats);
    }

    [Fact]
    public async Task A_create_that_lands_after_activation_counts_once()
    {
        var (grain, id) = await NewPlace();
        clock.Now = Noon;
        await grain.GetPlace();
        // Committed after the activation read the rows but made before it (in flight while the grain activated).
        var checkin = await rows.InsertAsync(id, "alice", Noon.AddSeconds(-1));

        await grain.RecordCheckin(checkin);
        await grain.RecordCheckin(checkin);

        Assert.Equal(new PlaceStats(1, 1, 1), (await grain.GetPlace())!.Stats);
        await AssertRebuiltFromRows(grain);
    }

    [Fact]
    public async Task Private_checkins_are_kept_for_their_author_but_count_toward_nothing()
    {
        var (grain, id) = await NewPlace();
        var secret = await CheckInAt(grain, id, "carol", Noon, Visibility.Private);
        await CheckInAt(grain, id, "dave", Noon.AddMinutes(1), Visibility.Followers);

        var view = await grain.GetPlace();

        // Followers-only counts in the totals and here-now (numbers naming nobody); private in none of them.
        Assert.Equal(new PlaceStats(1, 1, 1), view!.Stats);
        Assert.Null(view.Mayor); // neither is public
        Assert.Contains(await grain.GetRecent(PageQuery.First(10)), c => c.Id == secret.CheckinId && c.Visibility == Visibility.Private);
        await AssertRebuiltFromRows(grain);

        await Delete(grain, secret); // deleting a private one takes nothing from the counts
        Assert.Equal(new PlaceStats(1, 1, 1), (await grain.GetPlace())!.Stats);
        Assert.Single(await grain.GetRecent(PageQuery.First(10)));
    }

    [Fact]
    public async Task Privacy_zone_held_and_unpublished_rows_count_only_once_released()
    {
        var (grain, id) = await NewPlace();
        clock.Now = Noon;
        var zone = await rows.InsertAsync(id, "dave", Noon.AddMinutes(-3), inPrivacyZone: true);
        var held = await rows.InsertAsync(id, "erin", Noon.AddMinutes(-2), heldUntilNext: true);
        var later = await rows.InsertAsync(id, "frank", Noon.AddMinutes(-1), publishAt: Noon.AddHours(1));
        Assert.Equal(new PlaceStats(0, 0, 0), (await grain.GetPlace())!.Stats);

        await grain.RecordCheckin(zone); // the fan-out never sends these; the place ignores one anyway
        await grain.RecordCheckin(held); // nor an event for a check-in still held
        Assert.Equal(new PlaceStats(0, 0, 0), (await grain.GetPlace())!.Stats);
        Assert.Empty(await grain.GetRecent(PageQuery.First(10)));

        await grain.RecordCheckin(await rows.ReleaseAsync(held)); // the author's next check-in releases it
        clock.Now = Noon.AddHours(1).AddMinutes(1);
        await grain.RecordCheckin(later); // released at publish_at
        Assert.Equal(new PlaceStats(2, 2, 2), (await grain.GetPlace())!.Stats);
        Assert.Equal(new[] { later.CheckinId, held.CheckinId }, (await grain.GetRecent(PageQuery.First(10))).Select(c => c.Id));
        await AssertRebuiltFromRows(grain);
    }

    [Fact]
    public async Task An_old_checkin_outside_what_is_kept_counts_once_and_its_delete_takes_it_away_once()
    {
        var (grain, id) = await NewPlace();
        clock.Now = Noon;
        var gone = await rows.InsertAsync(id, "gone", Noon.AddDays(-101));
        var old = await rows.InsertAsync(id, "old", Noon.AddDays(-100));
        var goneDeleted = await rows.DeleteAsync(gone); // deleted before the activation: the rows never count it
        for (var i = 0; i < PlaceGrain.RecentCapacity; i++)
        {
            await rows.InsertAsync(id, $"user{i % 5}", Noon.AddDays(-10).AddMinutes(i)); // the newest 200 are newer
        }
        Assert.Equal(new PlaceStats(201, 6, 0), (await grain.GetPlace())!.Stats);
        Assert.DoesNotContain(await grain.GetRecent(PageQuery.First(1000)), c => c.Id == old.CheckinId);

        await grain.RecordCheckin(old); // a repeat of its create: already counted
        await grain.RecordCheckin(gone);
        await grain.RecordCheckin(goneDeleted); // its delete, delivered again after the activation
        Assert.Equal(new PlaceStats(201, 6, 0), (await grain.GetPlace())!.Stats);

        var oldDeleted = await Delete(grain, old); // the account-deletion saga deletes old check-ins too
        await grain.RecordCheckin(oldDeleted);
        Assert.Equal(new PlaceStats(200, 5, 0), (await grain.GetPlace())!.Stats);
        await AssertRebuiltFromRows(grain);
        await grain.RecordCheckin(oldDeleted); // and again after a reactivation
        Assert.Equal(new PlaceStats(200, 5, 0), (await grain.GetPlace())!.Stats);
    }

    [Fact]
    public async Task Here_now_counts_distinct_authors_of_the_last_three_hours()
    {
        var (grain, id) = await NewPlace();
        await CheckInAt(grain, id, "old", Noon.AddHours(-3).AddMinutes(-1));
        await CheckInAt(grain, id, "alice", Noon.AddHours(-2).AddMinutes(-59));
        await CheckInAt(grain, id, "alice", Noon.AddHours(-1));
        await CheckInAt(grain, id, "bob", Noon.AddMinutes(-1));
        await CheckInAt(grain, id, "secret", Noon.AddMinutes(-1), Visibility.Private);

        clock.Now = Noon;
        Assert.Equal(new PlaceStats(4, 3, 2), (await grain.GetPlace())!.Stats);
        await AssertRebuiltFromRows(grain);

        clock.Now = Noon.AddHours(2.5);
        Assert.Equal(1, (await grain.GetPlace())!.Stats.HereNowCount); // only bob's is still under three hours old
    }

    [Fact]
    public async Task Mayor_has_the_most_distinct_days_not_the_most_checkins()
    {
        var (grain, id) = await NewPlace();
        for (var i = 0; i < 5; i++)
        {
            await CheckInAt(grain, id, "busy", Noon.AddDays(-1).AddMinutes(i * 10)); // five on one day
        }
        await CheckInAt(grain, id, "regular", Noon.AddDays(-3));
        await CheckInAt(grain, id, "regular", Noon.AddDays(-2));

        clock.Now = Noon;
        Assert.Equal("regular", (await grain.GetPlace())!.Mayor);
        await AssertRebuiltFromRows(grain);
    }

    [Fact]
    public async Task A_tie_in_days_goes_to_the_most_recent_latest_checkin()
    {
        var (grain, id) = await NewPlace();
        await CheckInAt(grain, id, "alice", Noon.AddDays(-10));
        await CheckInAt(grain, id, "bob", Noon.AddDays(-9));
        await CheckInAt(grain, id, "alice", Noon.AddDays(-4).AddHours(-2));
        await CheckInAt(grain, id, "bob", Noon.AddDays(-4));
        Assert.Equal("bob", (await grain.GetPlace())!.Mayor); // 2 days each; bob's latest is the later one

        await CheckInAt(grain, id, "alice", Noon.AddDays(-4).AddHours(6)); // the same UTC day again: still 2 and 2
        Assert.Equal("alice", (await grain.GetPlace())!.Mayor);
        await AssertRebuiltFromRows(grain);
    }

    [Fact]
    public async Task Only_the_last_sixty_days_count_for_mayor()
    {
        var (grain, id) = await NewPlace();
        var start = Noon.AddDays(-100);
        for (var day = 0; day < 4; day++)
        {
            await CheckInAt(grain, id, "former", start.AddDays(day));
        }
        await CheckInAt(grain, id, "current", start.AddDays(30));
        await CheckInAt(grain, id, "current", start.AddDays(31));

        clock.Now = start.AddDays(59);
        Assert.Equal("former", (await grain.GetPlace())!.Mayor);
        await AssertRebuiltFromRows(grain);

        clock.Now = start.AddDays(62).AddHours(1); // former's days 0-2 have left the window: 1 day against 2
        Assert.Equal("current", (await grain.GetPlace())!.Mayor);
        await AssertRebuiltFromRows(grain);

        clock.Now = start.AddDays(92);
        Assert.Null((await grain.GetPlace())!.Mayor);
        Assert.Equal(new PlaceStats(6, 2, 0), (await grain.GetPlace())!.Stats); // lifetime counts stay
        await AssertRebuiltFromRows(grain);
    }

    [Fact]
    public async Task Followers_only_and_private_days_never_make_a_mayor()
    {
        var (grain, id) = await NewPlace();
        for (var day = 1; day <= 10; day++)
        {
            await CheckInAt(grain, id, "hidden", Noon.AddDays(-day), day % 2 == 0 ? Visibility.Followers : Visibility.Private);
        }
        await CheckInAt(grain, id, "open", Noon.AddDays(-20));

        clock.Now = Noon;
        Assert.Equal("open", (await grain.GetPlace())!.Mayor);
        await AssertRebuiltFromRows(grain);
    }

    [Fact]
    public async Task Recent_checkins_are_newest_first_and_page_by_max_id()
    {
        var (grain, id) = await NewPlace();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await CheckInAt(grain, id, $"user{i}", Noon.AddMinutes(i))).CheckinId);
        }

        var first = await grain.GetRecent(PageQuery.First(2));
        var next = await grain.GetRecent(new PageQuery(first[^1].Id, null, null, 2));

        Assert.Equal(new[] { ids[4], ids[3] }, first.Select(c => c.Id));
        Assert.Equal(new[] { ids[2], ids[1] }, next.Select(c => c.Id));
    }

    [Fact]
    public async Task Keeps_at_least_the_newest_two_hundred_and_forgets_older_ones_past_the_window()
    {
        var (grain, id) = await NewPlace();
        var start = Noon.AddDays(-200);
        for (var i = 0; i < 230; i++)
        {
            await CheckInAt(grain, id, $"user{i % 7}", start.AddHours(i));
        }
        clock.Now = Noon;
        await CheckInAt(grain, id, "late", Noon);

        var recent = await grain.GetRecent(PageQuery.First(1000));
        Assert.Equal(PlaceGrain.RecentCapacity, recent.Count);
        Assert.Equal(231, (await grain.GetPlace())!.Stats.CheckinsCount);
        Assert.Equal(8, (await grain.GetPlace())!.Stats.VisitorsCount);
        await AssertRebuiltFromRows(grain);
    }
}
