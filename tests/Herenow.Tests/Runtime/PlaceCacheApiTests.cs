using System.Net;
using Herenow.Grains.Places;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Runtime;

/// <summary>The API registers one <see cref="PlaceCache"/> and fills it with the places it creates.</summary>
public sealed class PlaceCacheApiTests(ApiHost api) : IClassFixture<ApiHost>
{
    [Fact]
    public async Task A_place_created_through_the_api_is_in_its_cache()
    {
        var token = await api.Http.SignUpAsync("cache_pia");
        var id = await api.Http.CreatePlaceAsync(token, "Cached Café");

        var cache = api.Services.GetRequiredService<PlaceCache>();
        Assert.Same(cache, api.Services.GetRequiredService<PlaceCache>());
        Assert.Equal(1, cache.Count); // added by POST /places, before any read
        Assert.Equal("Cached Café", (await cache.GetAsync(id))?.Name);
        Assert.Equal(HttpStatusCode.OK, (await api.Http.GetAsync($"/api/v1/places/{id}")).StatusCode);
    }
}

/// <summary>Every silo has its own <see cref="PlaceCache"/> on its own database (several silos and databases run in one test process).</summary>
public sealed class PlaceCacheSiloTests : IAsyncLifetime
{
    private TestClusterHost host = null!;

    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task The_silo_resolves_a_place_cache_over_its_database()
    {
        var services = host.Cluster.Silos[0].ServiceProvider;
        var created = await services.GetRequiredService<PlaceDirectory>().CreateAsync(new NewPlace("Silo Café", 1, 2, null, null, null));
        var cache = services.GetRequiredService<PlaceCache>();
        Assert.Equal(created, await cache.GetAsync(created.Id));
        Assert.Equal(1, cache.Count);
    }
}
