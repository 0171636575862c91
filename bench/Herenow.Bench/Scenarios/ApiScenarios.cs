using System.Globalization;
using System.Text.Json;
using Herenow.Bench.Seeding;

namespace Herenow.Bench.Scenarios;

/// <summary>
/// The requests the figures send. Random.Shared: builders run on many connections at once.
/// </summary>
public static class ApiScenarios
{
    /// <summary>The baseline: a trivial endpoint of the same API process, no cluster or database involved.</summary>
    public static Scenario HealthLive() => Scenario.Constant("GET /health/live", new BenchRequest("GET", "/health/live"));

    /// <summary>A durable check-in by a random pooled user at a popular real place, a few hundred metres from it.</summary>
    public static Scenario PostCheckin(BenchData data) =>
        new("POST /api/v1/checkins", _ => Checkin(data, data.AnyToken(Random.Shared), "bench"), status => status == 201);

    /// <summary>Check-ins by one author (its token), for the history figure.</summary>
    public static Scenario PostCheckinAs(string name, BenchData data, string token) =>
        new(name, _ => Checkin(data, token, "history"), status => status == 201);

    private static BenchRequest Checkin(BenchData data, string token, string shout)
    {
        var random = Random.Shared;
        var place = data.Places.Popular(random);
        var (lat, lon) = PlaceCatalog.Near(place, random);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["place_id"] = place.Id, ["latitude"] = lat, ["longitude"] = lon, ["accuracy_m"] = 25,
            ["shout"] = shout, ["visibility"] = "public",
        });
        return new BenchRequest("POST", "/api/v1/checkins", token, body);
    }

    public static Scenario HomeFeed(BenchData data) =>
        new("GET /api/v1/feeds/home", _ => new BenchRequest("GET", "/api/v1/feeds/home?limit=20", data.AnyToken(Random.Shared)));

    public static Scenario GlobalFeed() => Scenario.Constant("GET /api/v1/feeds/global", new BenchRequest("GET", "/api/v1/feeds/global?limit=20"));

    /// <summary>
    /// The place feed (GET /api/v1/places/{id}/checkins?limit=20) of a place drawn by the same Zipf popularity the
    /// check-ins use, so busy places (full pages) are read most and the tail (short or empty pages) too; read as a
    /// random pooled user (visibility is filtered per viewer).
    /// </summary>
    public static Scenario PlaceFeed(BenchData data) => new("GET /api/v1/places/{id}/checkins", _ =>
    {
        var random = Random.Shared;
        var place = data.Places.Popular(random);
        return new BenchRequest("GET", "/api/v1/places/" + Uri.EscapeDataString(place.Id) + "/checkins?limit=20", data.AnyToken(random));
    });

    /// <summary>
    /// An account's history page (GET /api/v1/accounts/{username}/checkins?limit=20) of a seeded author drawn by
    /// posting activity (a few prolific authors with full pages, a long tail with one check-in or none), read as a
    /// random pooled user.
    /// </summary>
    public static Scenario AccountHistory(BenchData data, int users)
    {
        var posters = data.Posters ?? new PosterDistribution(users);
        return new("GET /api/v1/accounts/{username}/checkins", _ =>
        {
            var random = Random.Shared;
            var author = SeedPlan.User(posters.Next(random));
            return new BenchRequest("GET", "/api/v1/accounts/" + author + "/checkins?limit=20", data.AnyToken(random));
        });
    }

    /// <summary>Nearby search at a random real city's coordinates, radius 5-20 km.</summary>
    public static Scenario Nearby(BenchData data) => new("GET /api/v1/places/nearby", _ =>
    {
        var random = Random.Shared;
        var city = data.Places.Any(random);
        var radius = 5_000 + random.Next(15_001);
        return new BenchRequest("GET", string.Create(CultureInfo.InvariantCulture,
            $"/api/v1/places/nearby?latitude={city.Latitude:F5}&longitude={city.Longitude:F5}&radius_m={radius}"));
    });
}
