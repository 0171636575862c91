using Herenow.Grains.Places;
using Herenow.Tests.Support;
using Npgsql;
using NpgsqlTypes;

namespace Herenow.Tests.Places;

/// <summary>
/// 20,000 places, clustered around real cities (including ones near the poles and the antimeridian) plus uniform noise
/// over the whole sphere, generated from a fixed seed and loaded once.
/// </summary>
public sealed class NearbyDataSet : IAsyncLifetime
{
    public const int Count = 20_000;

    // (latitude, longitude, spread in degrees of latitude)
    public static readonly (double Lat, double Lon, double Spread)[] Centers =
    [
        (52.5200, 13.4050, 0.3),    // Berlin
        (40.7128, -74.0060, 0.4),   // New York
        (35.6762, 139.6503, 0.5),   // Tokyo
        (-23.5505, -46.6333, 0.4),  // Sao Paulo
        (-33.8688, 151.2093, 0.3),  // Sydney
        (64.1466, -21.9426, 0.2),   // Reykjavik
        (78.2232, 15.6267, 0.3),    // Longyearbyen
        (-77.8460, 166.6760, 0.3),  // McMurdo
        (-18.1248, 178.4501, 0.8),  // Suva, reaching over the antimeridian
        (64.7337, 177.4968, 1.5),   // Anadyr, reaching over the antimeridian
        (-21.1394, -175.2049, 1.0), // Nuku'alofa, on the other side of it
        (89.9000, 0.0, 0.2),        // the North Pole
        (-89.9500, 0.0, 0.2),       // the South Pole
    ];

    public static readonly string?[] Categories = ["cafe", "bar", "park", "museum", "shop", null];
    private static readonly string[] Words = ["Corner", "Harbour", "Garden", "Station", "Market", "Tower", "Bridge", "Square"];

    public TestDatabase Database { get; private set; } = null!;
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public PlaceDirectory Directory { get; private set; } = null!;
    public List<PlaceDetails> Places { get; } = [];

    /// <summary>The data set itself, without a database (the in-memory index tests use it alone).</summary>
    public static List<PlaceDetails> Generate(int count = Count, int seed = 20261123)
    {
        var places = new List<PlaceDetails>(count);
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            double lat, lon;
            if (i % 4 == 3)
            {
                lat = Math.Asin(2 * random.NextDouble() - 1) * 180 / Math.PI; // uniform on the sphere
                lon = random.NextDouble() * 360 - 180;
            }
            else
            {
                var (cLat, cLon, spread) = Centers[random.Next(Centers.Length)];
                lat = cLat + Gaussian(random) * spread;
                lon = Math.Abs(cLat) > 89 ? random.NextDouble() * 360 - 180
                    : cLon + Gaussian(random) * spread / Math.Cos(cLat * Math.PI / 180);
            }
            lat = lat > 90 ? 180 - lat : lat < -90 ? -180 - lat : lat;
            lon = lon > 180 ? lon - 360 : lon < -180 ? lon + 360 : lon;
            var category = Categories[random.Next(Categories.Length)];
            places.Add(new PlaceDetails($"t-{i:D5}", $"{Words[random.Next(Words.Length)]} {i}", lat, lon, category, null,
                DateTimeOffset.UnixEpoch, null));
        }
        return places;
    }

    public async Task InitializeAsync()
    {
        Database = await TestDatabase.CreateAsync();
        Places.AddRange(Generate());

        DataSource = NpgsqlDataSource.Create(Database.ConnectionString);
        Directory = new PlaceDirectory(DataSource, TimeProvider.System);
        await using var connection = await DataSource.OpenConnectionAsync();
        await using (var import = await connection.BeginBinaryImportAsync(
            "COPY places (id, name, latitude, longitude, category) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var p in Places)
            {
                await import.StartRowAsync();
                await import.WriteAsync(p.Id, NpgsqlDbType.Text);
                await import.WriteAsync(p.Name, NpgsqlDbType.Text);
                await import.WriteAsync(p.Latitude, NpgsqlDbType.Double);
                await import.WriteAsync(p.Longitude, NpgsqlDbType.Double);
                if (p.Category is null) await import.WriteNullAsync();
                else await import.WriteAsync(p.Category, NpgsqlDbType.Text);
            }
            await import.CompleteAsync();
        }
        await using var analyze = new NpgsqlCommand("ANALYZE places", connection);
        await analyze.ExecuteNonQueryAsync();
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await Database.DisposeAsync();
    }

    public static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}

public sealed class NearbySearchTests(NearbyDataSet data) : IClassFixture<NearbyDataSet>
{
    private const double EarthRadiusM = 6371008.8;

    /// <summary>The reference: every place, its haversine distance, nearest first then by id.</summary>
    private List<(PlaceDetails Place, double Distance)> BruteForce(double lat, double lon, double radius) =>
        data.Places.Select(p => (Place: p, Distance: Haversine(lat, lon, p.Latitude, p.Longitude)))
            .Where(x => x.Distance <= radius)
            .OrderBy(x => x.Distance).ThenBy(x => x.Place.Id, StringComparer.Ordinal)
            .ToList();

    private static double Haversine(double lat1, double lon1, double lat2, double lon2)
    {
        static double Rad(double degrees) => degrees * (Math.PI / 180);
        var a = Math.Pow(Math.Sin(Rad(lat2 - lat1) / 2), 2) +
                Math.Cos(Rad(lat1)) * Math.Cos(Rad(lat2)) * Math.Pow(Math.Sin(Rad(lon2 - lon1) / 2), 2);
        return 2 * EarthRadiusM * Math.Asin(Math.Min(1, Math.Sqrt(a)));
    }

    /// <summary>Query points: near cities, anywhere, at data points, near both poles and on both sides of ±180°.</summary>
    internal static IEnumerable<(double Lat, double Lon, double Radius)> Queries(int count, int seed)
    {
        var random = new Random(seed);
        double[] radii = [1, 50, 500, 1000, 5000, 20_000, 50_000, 100_000];
        for (var i = 0; i < count; i++)
        {
            var radius = random.Next(3) == 0 ? 1 + random.NextDouble() * 99_999 : radii[random.Next(radii.Length)];
            var (cLat, cLon, spread) = NearbyDataSet.Centers[random.Next(NearbyDataSet.Centers.Length)];
            (double Lat, double Lon) point = (i % 6) switch
            {
                0 => (Math.Asin(2 * random.NextDouble() - 1) * 180 / Math.PI, random.NextDouble() * 360 - 180),
                1 => (90 - random.NextDouble() * 1.5, random.NextDouble() * 360 - 180),
                2 => (-90 + random.NextDouble() * 1.5, random.NextDouble() * 360 - 180),
                3 => (random.NextDouble() * 140 - 70, random.Next(2) == 0 ? 180 - random.NextDouble() : -180 + random.NextDouble()),
                _ => (Math.Clamp(cLat + (random.NextDouble() - 0.5) * spread, -90, 90),
                      Math.Clamp(cLon + (random.NextDouble() - 0.5) * spread, -180, 180)),
            };
            yield return (point.Lat, point.Lon, radius);
        }
        // The extremes themselves.
        yield return (90, 0, 100_000);
        yield return (-90, 123, 100_000);
        yield return (0, 180, 100_000);
        yield return (-18, -180, 100_000);
        yield return (65, 180, 100_000);
    }

    [Fact]
    public async Task Finds_exactly_the_places_within_the_radius_nearest_first_with_exact_distances()
    {
        var directory = data.Directory;
        var nonEmpty = 0;
        foreach (var (lat, lon, radius) in Queries(400, seed: 7))
        {
            var expected = BruteForce(lat, lon, radius);
            var actual = await directory.FindNearbyAsync(new NearbyQuery(lat, lon, radius, null, null, 1_000_000));
            var context = $"at ({lat}, {lon}) within {radius} m";

            // Same set: a difference is allowed only for a place on the circle itself, within floating-point noise.
            var expectedIds = expected.Select(e => e.Place.Id).ToHashSet();
            var actualIds = actual.Select(a => a.Place.Id).ToHashSet();
            foreach (var id in expectedIds.Except(actualIds).Concat(actualIds.Except(expectedIds)))
            {
                var p = data.Places.Single(p => p.Id == id);
                Assert.True(Math.Abs(Haversine(lat, lon, p.Latitude, p.Longitude) - radius) < 1e-6, $"{id} {context}");
            }
            // Sorted by distance, each distance within 1 m of the reference (in fact within floating-point noise).
            for (var i = 0; i < actual.Count; i++)
            {
                var reference = Haversine(lat, lon, actual[i].Place.Latitude, actual[i].Place.Longitude);
                Assert.True(Math.Abs(actual[i].DistanceM - reference) < 1, $"{actual[i].Place.Id} {context}");
                Assert.True(i == 0 || actual[i - 1].DistanceM <= actual[i].DistanceM, $"order {context}");
            }
            nonEmpty += expected.Count > 0 ? 1 : 0;
        }
        Assert.True(nonEmpty > 150, $"only {nonEmpty} queries found anything: the data set misses the queries");
    }

    [Fact]
    public async Task A_limit_returns_the_nearest_ones_in_order()
    {
        var directory = data.Directory;
        var full = 0;
        foreach (var (lat, lon, radius) in Queries(150, seed: 11))
        {
            var expected = BruteForce(lat, lon, radius).Take(50).Select(e => e.Place.Id).ToList();
            var actual = await directory.FindNearbyAsync(new NearbyQuery(lat, lon, radius, null, null, 50));

            Assert.Equal(expected, actual.Select(a => a.Place.Id).ToList());
            full += actual.Count == 50 ? 1 : 0;
        }
        Assert.True(full > 20, $"only {full} queries filled the limit");
    }

    [Fact]
    public async Task A_hundred_kilometre_search_reaches_across_the_antimeridian_and_over_the_pole()
    {
        var directory = data.Directory;

        var fiji = await directory.FindNearbyAsync(new NearbyQuery(-18.0, 179.95, 100_000, null, null, 1_000_000));
        var pole = await directory.FindNearbyAsync(new NearbyQuery(89.95, 0, 100_000, null, null, 1_000_000));

        Assert.Contains(fiji, p => p.Place.Longitude > 0);
        Assert.Contains(fiji, p => p.Place.Longitude < 0);
        Assert.Contains(pole, p => p.Place.Longitude > 90);
        Assert.Contains(pole, p => p.Place.Longitude < -90);
    }

    [Fact]
    public async Task Category_and_name_filters_apply_to_the_same_exact_search()
    {
        var directory = data.Directory;
        foreach (var (lat, lon, radius) in Queries(60, seed: 13))
        {
            var expected = BruteForce(lat, lon, radius)
                .Where(e => e.Place.Category == "cafe" && e.Place.Name.Contains("tower", StringComparison.OrdinalIgnoreCase))
                .Select(e => e.Place.Id).ToList();

            var actual = await directory.FindNearbyAsync(new NearbyQuery(lat, lon, radius, "tOWer", "CAFE", 1_000_000));

            Assert.Equal(expected, actual.Select(a => a.Place.Id).ToList());
        }
    }

    /// <summary>
    /// The in-memory index, loaded from this database the way the API loads it, answers as the database does: the same
    /// places in the same order (a difference only on the circle itself, within floating-point noise), the same
    /// distances to floating-point noise, with and without filters; and exactly as the brute force does.
    /// </summary>
    [Fact]
    public async Task The_in_memory_index_loaded_from_the_table_answers_as_the_database_does()
    {
        var index = new NearbyIndex();
        var read = await data.Directory.ReadPlacesAsync(null);
        index.Load(read.Places);
        Assert.Equal(NearbyDataSet.Count, read.Total);
        Assert.Equal(NearbyDataSet.Count, index.Count);

        var random = new Random(17);
        foreach (var (lat, lon, radius) in Queries(200, seed: 17))
        {
            var (text, category, limit) = random.Next(4) switch
            {
                0 => ("tOWer", "CAFE", 1_000_000),
                1 => ((string?)null, (string?)null, 50),
                _ => (null, null, 1_000_000),
            };
            var query = new NearbyQuery(lat, lon, radius, text, category, limit);
            var fromSql = await data.Directory.FindNearbyInDatabaseAsync(query);
            var fromMemory = index.Search(query);
            var context = $"at ({lat}, {lon}) within {radius} m, {text}/{category}/{limit}";

            var sqlIds = fromSql.Select(p => p.Place.Id).ToList();
            var memoryIds = fromMemory.Select(p => p.Place.Id).ToList();
            if (!sqlIds.SequenceEqual(memoryIds))
            {
                // Only a place within floating-point noise of the circle (or of the limit-th distance) may differ.
                foreach (var id in sqlIds.Except(memoryIds).Concat(memoryIds.Except(sqlIds)))
                {
                    var p = data.Places.Single(p => p.Id == id);
                    var d = Haversine(lat, lon, p.Latitude, p.Longitude);
                    Assert.True(Math.Abs(d - radius) < 1e-6 || (fromMemory.Count > 0 && Math.Abs(d - fromMemory[^1].DistanceM) < 1e-6), $"{id} {context}");
                }
            }
            var sqlDistance = fromSql.ToDictionary(p => p.Place.Id, p => p.DistanceM);
            foreach (var p in fromMemory.Where(p => sqlDistance.ContainsKey(p.Place.Id)))
            {
                Assert.True(Math.Abs(p.DistanceM - sqlDistance[p.Place.Id]) < 1e-6, $"{p.Place.Id} {context}");
            }
            Assert.Equal(NearbyIndexTests.BruteForce(read.Places, query), fromMemory);
        }
    }

    [Fact]
    public async Task A_directory_with_a_loaded_index_answers_from_it()
    {
        var index = new NearbyIndex();
        var directory = new PlaceDirectory(data.DataSource, TimeProvider.System, index);
        var query = new NearbyQuery(52.52, 13.405, 20_000, null, null, 20);

        var beforeLoad = await directory.FindNearbyAsync(query); // from the table: the index is not loaded yet
        index.Load([.. data.Places.Where(p => p.Id != beforeLoad[0].Place.Id)]);
        var afterLoad = await directory.FindNearbyAsync(query);

        Assert.Equal(20, beforeLoad.Count);
        Assert.DoesNotContain(afterLoad, p => p.Place.Id == beforeLoad[0].Place.Id); // proof it came from memory
        Assert.Equal(beforeLoad.Skip(1).Select(p => p.Place.Id), afterLoad.Take(19).Select(p => p.Place.Id));
    }
}
