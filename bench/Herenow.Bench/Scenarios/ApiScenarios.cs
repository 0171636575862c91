using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Herenow.Bench.Seeding;

namespace Herenow.Bench.Scenarios;

/// <summary>
/// The requests the figures send. Random.Shared: builders run on the dispatch loop and on closed-loop workers at once.
/// </summary>
public static class ApiScenarios
{
    /// <summary>The baseline: a trivial endpoint of the same API process, no cluster or database involved.</summary>
    public static Scenario HealthLive() => new("GET /health/live", _ => new HttpRequestMessage(HttpMethod.Get, "/health/live"));

    /// <summary>A durable check-in by a random pooled user at a popular real place, a few hundred metres from it.</summary>
    public static Scenario PostCheckin(BenchData data) => new("POST /api/v1/checkins", _ =>
    {
        var random = Random.Shared;
        var place = data.Places.Popular(random);
        var (lat, lon) = PlaceCatalog.Near(place, random);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/checkins")
        {
            Content = JsonContent.Create(new Dictionary<string, object>
            {
                ["place_id"] = place.Id, ["latitude"] = lat, ["longitude"] = lon, ["accuracy_m"] = 25,
                ["shout"] = "bench", ["visibility"] = "public",
            }),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", data.AnyToken(random));
        return request;
    }, r => r.StatusCode == HttpStatusCode.Created);

    public static Scenario HomeFeed(BenchData data) => new("GET /api/v1/feeds/home", _ =>
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/feeds/home?limit=20");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", data.AnyToken(Random.Shared));
        return request;
    });

    public static Scenario GlobalFeed() => new("GET /api/v1/feeds/global", _ => new HttpRequestMessage(HttpMethod.Get, "/api/v1/feeds/global?limit=20"));

    /// <summary>Nearby search at a random real city's coordinates, radius 5-20 km.</summary>
    public static Scenario Nearby(BenchData data) => new("GET /api/v1/places/nearby", _ =>
    {
        var random = Random.Shared;
        var city = data.Places.Any(random);
        var radius = 5_000 + random.Next(15_001);
        return new HttpRequestMessage(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/places/nearby?latitude={city.Latitude:F5}&longitude={city.Longitude:F5}&radius_m={radius}"));
    });
}
