using Herenow.Api.Places;
using Herenow.Grains.Places;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Places;

/// <summary>
/// Two API processes over one cluster, each with its own in-memory nearby index: a place created through one is found
/// through it at once, and through the other after that one's next refresh (a short interval here).
/// </summary>
public sealed class NearbyIndexApiTests : IAsyncLifetime
{
    private static readonly Dictionary<string, string?> FastRefresh = new()
    {
        ["Herenow:Places:Nearby:RefreshInterval"] = "00:00:00.200",
    };

    private RealCluster cluster = null!;
    private WebApplicationFactory<Program> first = null!;
    private WebApplicationFactory<Program> second = null!;

    public async Task InitializeAsync()
    {
        cluster = await RealCluster.StartAsync(silos: 1);
        first = ApiHost.CreateApi(cluster, FastRefresh);
        second = ApiHost.CreateApi(cluster, FastRefresh);
    }

    public async Task DisposeAsync()
    {
        await first.DisposeAsync();
        await second.DisposeAsync();
        await cluster.DisposeAsync();
    }

    private static async Task<string[]> NearbyNames(HttpClient http, string query)
    {
        var places = await http.GetAsync<List<NearbyPlaceResponse>>($"/api/v1/places/nearby?{query}");
        return [.. places.Select(p => p.Name)];
    }

    private static async Task Loaded(WebApplicationFactory<Program> api)
    {
        var index = api.Services.GetRequiredService<NearbyIndex>();
        await Eventually.True(() => index.IsLoaded, "the nearby index loaded", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_new_place_is_found_at_once_where_it_was_created_and_soon_everywhere()
    {
        var one = first.CreateClient();
        var two = second.CreateClient();
        await Loaded(first);
        await Loaded(second);
        var token = await one.SignUpAsync("nearby_nia");

        var id = await one.CreatePlaceAsync(token, "Fresh Bakery", latitude: 64.1466, longitude: -21.9426);

        // The first API answers from memory (its index is loaded) and already holds the place.
        Assert.Equal(["Fresh Bakery"], await NearbyNames(one, "latitude=64.1466&longitude=-21.9426&query=bakery"));
        Assert.Contains(first.Services.GetRequiredService<NearbyIndex>().Search(
            new NearbyQuery(64.1466, -21.9426, 10, null, null, 5)), p => p.Place.Id == id);
        // The second finds it once it has read the table again.
        await Eventually.Value(() => NearbyNames(two, "latitude=64.1466&longitude=-21.9426&query=bakery"), names => names.Length > 0,
            "the second API sees the new place", TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        Assert.Equal(1, second.Services.GetRequiredService<NearbyIndex>().ConfirmedCount);
    }
}
