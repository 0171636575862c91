using Herenow.Grains.Common;
using Herenow.Grains.Places;
using Herenow.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Herenow.Tests.Places;

/// <summary>
/// The places table, and the nearby search both ways: from PostgreSQL (<c>fromMemory: false</c>, a directory without an
/// index, as in the silo) and from the in-memory index (<c>true</c>, as in the API), which must answer alike.
/// </summary>
public sealed class PlaceDirectoryTests : IAsyncLifetime
{
    private TestDatabase database = null!;
    private NpgsqlDataSource dataSource = null!;
    private PlaceDirectory directory = null!;
    private NearbyIndex index = null!;
    private PlaceDirectory sqlOnly = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        index = new NearbyIndex();
        index.Load([]);
        directory = new PlaceDirectory(dataSource, TimeProvider.System, index);
        sqlOnly = new PlaceDirectory(dataSource, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await dataSource.DisposeAsync();
        await database.DisposeAsync();
    }

    // Around Alexanderplatz, Berlin: 0.001° of latitude is ~111 m.
    private Task<PlaceDetails> At(double northM, string name, string? category = null) =>
        directory.CreateAsync(new NewPlace(name, 52.5219 + northM / 111_195, 13.4132, category, null, null));

    private bool fromMemory;

    private Task<IReadOnlyList<NearbyPlace>> Search(string? text = null, string? category = null, int limit = 50, double radius = 1000) =>
        (fromMemory ? directory : sqlOnly).FindNearbyAsync(new NearbyQuery(52.5219, 13.4132, radius, text, category, limit));

    private static NearbyIndexRefresher Refresher(NearbyIndex of, PlaceDirectory over) =>
        new(of, over, TimeProvider.System, Options.Create(new NearbyIndexOptions()), NullLogger<NearbyIndexRefresher>.Instance);

    [Fact]
    public async Task Created_place_is_stored_with_a_time_ordered_id_and_read_back()
    {
        var created = await directory.CreateAsync(new NewPlace("Café Zoë", 52.5219, 13.4132, "cafe", "Alexanderplatz 1", "alice"));

        Assert.True(TimeOrderedId.IsValid(created.Id));
        Assert.Equal(created, await directory.GetAsync(created.Id));
        Assert.Null(await directory.GetAsync("no-such-place"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Name_filter_is_a_case_insensitive_substring_and_wildcards_are_literal(bool fromMemory)
    {
        this.fromMemory = fromMemory;
        var coffee = await At(10, "Coffee Corner");
        var bar = await At(20, "The Corner Bar");
        var percent = await At(30, "100% Organic");
        await At(40, "Tea House");

        Assert.Equal(new[] { coffee.Id, bar.Id }, (await Search("CORNER")).Select(p => p.Place.Id));
        Assert.Equal(new[] { percent.Id }, (await Search("0%")).Select(p => p.Place.Id));
        Assert.Equal(new[] { percent.Id }, (await Search("%")).Select(p => p.Place.Id));
        Assert.Empty(await Search("C_rner"));
        Assert.Empty(await Search(@"\"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Category_filter_is_exact_but_case_insensitive(bool fromMemory)
    {
        this.fromMemory = fromMemory;
        var cafe = await At(10, "One", "Cafe");
        await At(20, "Two", "cafeteria");
        await At(30, "Three");
        var other = await At(40, "Four", "CAFE");

        Assert.Equal(new[] { cafe.Id, other.Id }, (await Search(category: "cafe")).Select(p => p.Place.Id));
        Assert.Equal(4, (await Search()).Count);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Limit_keeps_the_nearest_and_the_radius_is_exact(bool fromMemory)
    {
        this.fromMemory = fromMemory;
        var places = new List<PlaceDetails>();
        for (var i = 1; i <= 9; i++)
        {
            places.Add(await At(-i * 100, $"Place {i}"));
        }

        var nearest = await Search(limit: 3);
        var within = await Search(radius: 450);

        Assert.Equal(places.Take(3).Select(p => p.Id), nearest.Select(p => p.Place.Id));
        Assert.Equal(places.Take(4).Select(p => p.Id), within.Select(p => p.Place.Id));
        Assert.InRange(within[^1].DistanceM, 399, 401);
    }

    [Fact]
    public async Task A_place_created_here_is_found_at_once_and_by_another_process_after_its_next_refresh()
    {
        // Another API process: its own index over the same table, loaded before the place exists.
        var otherIndex = new NearbyIndex();
        var other = new PlaceDirectory(dataSource, TimeProvider.System, otherIndex);
        var otherRefresher = Refresher(otherIndex, other);
        await otherRefresher.ReloadAsync();

        var created = await directory.CreateAsync(new NewPlace("Brand New Café", -18.1, 179.99, "cafe", null, "alice"));
        var query = new NearbyQuery(-18.1, -179.99, 5_000, "new", "CAFE", 20); // across the antimeridian

        Assert.Equal(created.Id, Assert.Single(await directory.FindNearbyAsync(query)).Place.Id);
        Assert.Empty(await other.FindNearbyAsync(query)); // not yet: it has not read the table since
        await otherRefresher.RefreshAsync(TimeSpan.FromSeconds(10));
        var found = Assert.Single(await other.FindNearbyAsync(query));
        Assert.Equal(created, found.Place);
        Assert.Equal(1, otherIndex.ConfirmedCount);

        // And this process's own refresh confirms what it created, without counting it twice.
        var refresher = Refresher(index, directory);
        await refresher.ReloadAsync();
        await refresher.RefreshAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, index.Count);
        Assert.Equal(1, index.ConfirmedCount);
    }

    [Fact]
    public async Task A_row_that_slips_past_the_refresh_window_is_caught_by_the_count_and_reloaded()
    {
        var refresher = Refresher(index, directory);
        await refresher.ReloadAsync();
        var seen = await directory.CreateAsync(new NewPlace("Seen", 10, 10, null, null, null));
        await refresher.RefreshAsync(TimeSpan.Zero);

        // Committed now, but created_at an hour ago (a long import transaction, a skewed clock): outside any overlap.
        await using (var insert = dataSource.CreateCommand(
            "INSERT INTO places (id, name, latitude, longitude, created_at) VALUES ('late-1', 'Late', 10.001, 10, now() - interval '1 hour')"))
        {
            await insert.ExecuteNonQueryAsync();
        }
        await refresher.RefreshAsync(TimeSpan.Zero);

        var found = await directory.FindNearbyAsync(new NearbyQuery(10, 10, 1_000, null, null, 20));
        Assert.Equal(new[] { seen.Id, "late-1" }, found.Select(p => p.Place.Id));
        Assert.Equal(2, index.ConfirmedCount);
    }

    [Fact]
    public async Task A_refresh_with_nothing_new_reads_only_the_count()
    {
        var place = await directory.CreateAsync(new NewPlace("Counted", 1, 1, null, null, null));

        var unchanged = await directory.ReadPlacesAsync(DateTimeOffset.UnixEpoch, unlessTotal: 1);
        var grown = await directory.ReadPlacesAsync(DateTimeOffset.UnixEpoch, unlessTotal: 0);

        Assert.Equal((0, 1L), (unchanged.Places.Count, unchanged.Total));
        Assert.Equal([place], grown.Places);
        Assert.Equal(1, grown.Total);
    }
}
