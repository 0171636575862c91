using Herenow.Grains.Common;
using Herenow.Grains.Places;
using Herenow.Tests.Support;
using Npgsql;

namespace Herenow.Tests.Places;

public sealed class PlaceDirectoryTests : IAsyncLifetime
{
    private TestDatabase database = null!;
    private NpgsqlDataSource dataSource = null!;
    private PlaceDirectory directory = null!;

    public async Task InitializeAsync()
    {
        database = await TestDatabase.CreateAsync();
        dataSource = NpgsqlDataSource.Create(database.ConnectionString);
        directory = new PlaceDirectory(dataSource, TimeProvider.System);
    }

    public async Task DisposeAsync()
    {
        await dataSource.DisposeAsync();
        await database.DisposeAsync();
    }

    // Around Alexanderplatz, Berlin: 0.001° of latitude is ~111 m.
    private Task<PlaceDetails> At(double northM, string name, string? category = null) =>
        directory.CreateAsync(new NewPlace(name, 52.5219 + northM / 111_195, 13.4132, category, null, null));

    private Task<IReadOnlyList<NearbyPlace>> Search(string? text = null, string? category = null, int limit = 50, double radius = 1000) =>
        directory.FindNearbyAsync(new NearbyQuery(52.5219, 13.4132, radius, text, category, limit));

    [Fact]
    public async Task Created_place_is_stored_with_a_time_ordered_id_and_read_back()
    {
        var created = await directory.CreateAsync(new NewPlace("Café Zoë", 52.5219, 13.4132, "cafe", "Alexanderplatz 1", "alice"));

        Assert.True(TimeOrderedId.IsValid(created.Id));
        Assert.Equal(created, await directory.GetAsync(created.Id));
        Assert.Null(await directory.GetAsync("no-such-place"));
    }

    [Fact]
    public async Task Name_filter_is_a_case_insensitive_substring_and_wildcards_are_literal()
    {
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

    [Fact]
    public async Task Category_filter_is_exact_but_case_insensitive()
    {
        var cafe = await At(10, "One", "Cafe");
        await At(20, "Two", "cafeteria");
        await At(30, "Three");
        var other = await At(40, "Four", "CAFE");

        Assert.Equal(new[] { cafe.Id, other.Id }, (await Search(category: "cafe")).Select(p => p.Place.Id));
        Assert.Equal(4, (await Search()).Count);
    }

    [Fact]
    public async Task Limit_keeps_the_nearest_and_the_radius_is_exact()
    {
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
}
