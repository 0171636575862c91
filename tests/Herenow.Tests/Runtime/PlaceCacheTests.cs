using Herenow.Grains.Places;
using Herenow.Tests.Support;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Herenow.Tests.Runtime;

public sealed class PlaceCacheTests : IAsyncLifetime
{
    private readonly ManualClock clock = new();
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

    private PlaceCache Cache(int maxEntries = 1000) =>
        new(directory, clock, Options.Create(new PlaceCacheOptions { MaxEntries = maxEntries, MissLifetime = TimeSpan.FromSeconds(5) }));

    [Fact]
    public async Task A_place_read_once_is_served_from_memory()
    {
        var place = await directory.CreateAsync(new NewPlace("Café", 52.52, 13.405, "cafe", null, "alice"));
        var cache = Cache();

        Assert.Equal(place, await cache.GetAsync(place.Id));
        // Gone from the table (nothing deletes places; this only proves the second read does not go there).
        await database.ExecuteAsync($"DELETE FROM places WHERE id = '{place.Id}'");
        Assert.Equal(place, await cache.GetAsync(place.Id));
    }

    [Fact]
    public async Task A_miss_is_remembered_briefly_so_a_place_imported_later_appears()
    {
        var cache = Cache();
        Assert.Null(await cache.GetAsync("geonames-1"));
        await database.ExecuteAsync("""
            INSERT INTO places (id, name, latitude, longitude, category, address, created_at, created_by)
            VALUES ('geonames-1', 'Imported', 1, 2, 'city', 'DE', now(), NULL)
            """);

        Assert.Null(await cache.GetAsync("geonames-1"));
        clock.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal("Imported", (await cache.GetAsync("geonames-1"))?.Name);
    }

    [Fact]
    public async Task A_created_place_is_added_without_reading_it_back()
    {
        var cache = Cache();
        var place = await directory.CreateAsync(new NewPlace("New", 1, 2, null, null, null));
        cache.Add(place);
        Assert.Equal(place, await cache.GetAsync(place.Id));
    }

    [Fact]
    public async Task The_size_is_bounded()
    {
        var cache = Cache(maxEntries: 20);
        for (var i = 0; i < 60; i++)
        {
            var place = await directory.CreateAsync(new NewPlace("P" + i, 1, 2, null, null, null));
            Assert.Equal(place, await cache.GetAsync(place.Id));
            Assert.True(cache.Count <= 20, $"{cache.Count} entries");
        }
    }
}
