using Herenow.Grains.Checkins;
using Npgsql;

namespace Herenow.Bench.Seeding;

/// <summary>
/// The imported GeoNames cities (scripts/import-places.sh), with a Zipf popularity so check-ins cluster at a few
/// busy places the way real ones do, and coordinates for check-ins a few hundred metres from a real place.
/// </summary>
public sealed class PlaceCatalog
{
    private readonly ZipfSampler popularity;

    public PlaceCatalog(IReadOnlyList<PlaceSnapshot> places)
    {
        if (places.Count == 0) throw new InvalidOperationException("no places: import them first (scripts/import-places.sh)");
        // A fixed shuffle: which cities are "popular" is arbitrary but the same in every run.
        var shuffled = places.ToArray();
        new Random(42).Shuffle(shuffled);
        Places = shuffled;
        popularity = new ZipfSampler(shuffled.Length, 1.0);
    }

    public IReadOnlyList<PlaceSnapshot> Places { get; }

    public static async Task<PlaceCatalog> LoadAsync(string connectionString, CancellationToken ct = default)
    {
        await using var source = NpgsqlDataSource.Create(connectionString);
        await using var command = source.CreateCommand(
            "SELECT id, name, latitude, longitude, category FROM places WHERE id LIKE 'geonames-%' ORDER BY id");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var places = new List<PlaceSnapshot>();
        while (await reader.ReadAsync(ct))
        {
            places.Add(new PlaceSnapshot(reader.GetString(0), reader.GetString(1), reader.GetDouble(2), reader.GetDouble(3),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }
        return new PlaceCatalog(places);
    }

    /// <summary>A place drawn by popularity (a few very busy, a long tail).</summary>
    public PlaceSnapshot Popular(Random random) => Places[popularity.Next(random)];

    /// <summary>Any city, uniformly (for nearby searches at real coordinates).</summary>
    public PlaceSnapshot Any(Random random) => Places[random.Next(Places.Count)];

    /// <summary>A point up to <paramref name="maxMeters"/> from the place (well inside the API's 1 km check-in rule).</summary>
    public static (double Latitude, double Longitude) Near(PlaceSnapshot place, Random random, double maxMeters = 300)
    {
        const double MetersPerDegree = 111_320;
        var distance = maxMeters * Math.Sqrt(random.NextDouble());
        var bearing = random.NextDouble() * 2 * Math.PI;
        var lat = place.Latitude + distance * Math.Cos(bearing) / MetersPerDegree;
        var cosLat = Math.Max(0.01, Math.Cos(place.Latitude * Math.PI / 180));
        var lon = place.Longitude + distance * Math.Sin(bearing) / (MetersPerDegree * cosLat);
        return (Math.Clamp(lat, -90, 90), lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon);
    }
}
