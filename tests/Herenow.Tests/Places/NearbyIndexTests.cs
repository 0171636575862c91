using Herenow.Grains.Places;

namespace Herenow.Tests.Places;

/// <summary>
/// The in-memory nearby index against the brute force, exactly: the same places, in the same order (distance, then id),
/// with bit-identical distances, for thousands of random searches near cities, anywhere, near and at both poles, on
/// and across the antimeridian, at many radii and limits, with and without the name and category filters; and while
/// places are added, confirmed and merged. No database: <see cref="NearbySearchTests"/> checks the index against
/// PostgreSQL.
/// </summary>
public sealed class NearbyIndexTests
{
    private static readonly List<PlaceDetails> Places = [.. NearbyDataSet.Generate(), .. Extremes()];

    /// <summary>The reference: every place, its haversine distance (query point first), filtered, nearest first then by id.</summary>
    public static List<NearbyPlace> BruteForce(IEnumerable<PlaceDetails> places, NearbyQuery query)
    {
        var found = new List<NearbyPlace>();
        foreach (var p in places)
        {
            var distance = Geo.HaversineMeters(query.Latitude, query.Longitude, p.Latitude, p.Longitude);
            if (distance <= query.RadiusM &&
                (query.Category is null || string.Equals(p.Category, query.Category, StringComparison.OrdinalIgnoreCase)) &&
                (query.Text is null || p.Name.Contains(query.Text, StringComparison.OrdinalIgnoreCase)))
            {
                found.Add(new NearbyPlace(p, distance));
            }
        }
        return found.OrderBy(n => n.DistanceM).ThenBy(n => n.Place.Id, StringComparer.Ordinal).Take(query.Limit).ToList();
    }

    /// <summary>Places on the poles, on both spellings of the antimeridian, on band edges, stacked on one spot, with non-ASCII names.</summary>
    private static IEnumerable<PlaceDetails> Extremes()
    {
        var i = 0;
        PlaceDetails At(double lat, double lon, string name = "Edge", string? category = "cafe", string? id = null) =>
            new(id ?? $"x-{i++:D3}", name, lat, lon, category, null, DateTimeOffset.UnixEpoch, null);

        foreach (var lon in new[] { 0, 45.5, -180, 180, 123.4, -90 })
        {
            yield return At(90, lon, "North Pole Tower");
            yield return At(-90, lon, "South Pole Station");
        }
        foreach (var lat in new[] { -18.0, 0, 65, 89.99, -89.99, 52.5 })
        {
            yield return At(lat, 180);
            yield return At(lat, -180);
            yield return At(lat, 179.9999999);
            yield return At(lat, -179.9999999);
            yield return At(lat + 0.0000001, 180, "Zürich Tower");
        }
        // Band edges (every 0.1°) and the equator.
        foreach (var lat in new[] { 52.5, 52.4, 0, -0.1, 89.9, -89.9 })
        {
            yield return At(lat, 13.4, "Band Edge");
            yield return At(BitDecrement(lat), 13.4, "Below the Edge");
        }
        // Seven places on one spot: ties, broken by id (ordinal: upper case before lower case), cut by a limit.
        foreach (var id in new[] { "dup-c", "dup-A", "dup-b", "dup-a", "dup-B", "dup-0", "dup-_" })
        {
            yield return At(52.52, 13.405, "Same Spot", "bar", id);
        }
        yield return At(52.5201, 13.4051, "ÅLESUND STRAẞE", "Café");
        yield return At(52.5202, 13.4052, "ålesund straße", "CAFÉ");
        yield return At(52.5203, 13.4053, "Kaffee İstanbul", null);
    }

    private static double BitDecrement(double value) => Math.BitDecrement(value);

    /// <summary>Searches: the shared query points (cities, anywhere, near the poles, near ±180°) and exact extremes.</summary>
    private static IEnumerable<NearbyQuery> Searches(int count, int seed)
    {
        var random = new Random(seed);
        int[] limits = [1, 3, 7, 20, 50, 1_000_000];
        string?[] texts = [null, null, null, "tower", "TOW", "1", "Pole", "ü", "straße", "ålesund", "%", ""];
        string?[] categories = [null, null, null, "CAFE", "park", "Bar", "café", "none"];
        foreach (var (lat, lon, radius) in NearbySearchTests.Queries(count, seed))
        {
            var text = texts[random.Next(texts.Length)];
            yield return new NearbyQuery(lat, lon, radius, text == "" ? null : text, categories[random.Next(categories.Length)],
                limits[random.Next(limits.Length)]);
        }
        double[] radii = [0.001, 1, 100, 11_000, 50_000, 100_000];
        foreach (var radius in radii)
        {
            foreach (var (lat, lon) in new[] { (90.0, 0.0), (-90.0, 77.0), (89.95, 180.0), (-89.99, -180.0), (0.0, 180.0), (0.0, -180.0),
                         (-18.0, 179.9999), (65.0, -179.95), (52.52, 13.405), (52.5, 13.4), (0.0, 0.0), (89.0, 10.0), (-88.5, -170.0) })
            {
                foreach (var limit in new[] { 1, 3, 50, 1_000_000 })
                {
                    yield return new NearbyQuery(lat, lon, radius, null, null, limit);
                }
            }
        }
        // Every place of the extremes, as a query point: a radius of zero-ish finds it and its twins.
        foreach (var p in Extremes())
        {
            yield return new NearbyQuery(p.Latitude, p.Longitude, 0.5, null, null, 4);
            yield return new NearbyQuery(p.Latitude, p.Longitude, 100_000, null, null, 50);
        }
    }

    private static NearbyIndex Loaded(IReadOnlyCollection<PlaceDetails> places)
    {
        var index = new NearbyIndex();
        index.Load(places);
        return index;
    }

    [Fact]
    public void Answers_exactly_as_the_brute_force_does()
    {
        var index = Loaded(Places);
        var nonEmpty = 0;
        var full = 0;
        foreach (var query in Searches(2_000, seed: 23))
        {
            var expected = BruteForce(Places, query);
            var actual = index.Search(query);
            Assert.True(expected.SequenceEqual(actual), $"{query}: expected {expected.Count}, got {actual.Count}");
            nonEmpty += expected.Count > 0 ? 1 : 0;
            full += expected.Count == query.Limit && query.Limit > 1 ? 1 : 0;
        }
        Assert.True(nonEmpty > 500 && full > 200, $"only {nonEmpty} searches found anything, {full} were cut by their limit");
    }

    [Fact]
    public void Reaches_over_both_poles_and_across_the_antimeridian()
    {
        var index = Loaded(Places);

        var pole = index.Search(new NearbyQuery(89.99, 0, 100_000, null, null, 1_000_000));
        var fiji = index.Search(new NearbyQuery(-18.0, 179.95, 100_000, null, null, 1_000_000));
        var west = index.Search(new NearbyQuery(0, -180, 1, null, null, 10));

        Assert.Contains(pole, p => p.Place.Longitude > 90);
        Assert.Contains(pole, p => p.Place.Longitude < -90);
        Assert.Contains(pole, p => p.Place.Latitude == 90);
        Assert.Contains(fiji, p => p.Place.Longitude > 0);
        Assert.Contains(fiji, p => p.Place.Longitude < 0);
        // 180 and -180 are one meridian: a search at -180 finds the places written either way, both at (almost) 0 m.
        Assert.Contains(west, p => p.Place.Latitude == 0 && p.Place.Longitude == 180 && p.DistanceM < 1e-6);
        Assert.Contains(west, p => p.Place.Latitude == 0 && p.Place.Longitude == -180 && p.DistanceM == 0);
    }

    [Fact]
    public void Ties_are_ordered_by_id_and_cut_by_the_limit()
    {
        var index = Loaded(Places);

        var spot = index.Search(new NearbyQuery(52.52, 13.405, 0.001, null, null, 4));

        Assert.Equal(["dup-0", "dup-A", "dup-B", "dup-_"], spot.Select(p => p.Place.Id).ToArray());
        Assert.All(spot, p => Assert.Equal(0, p.DistanceM));
    }

    [Fact]
    public void Name_and_category_match_case_insensitively_beyond_ascii()
    {
        var index = Loaded(Places);
        NearbyQuery Query(string? text, string? category) => new(52.52, 13.405, 100, text, category, 50);

        Assert.Equal(2, index.Search(Query("ålesund", null)).Count);
        Assert.Equal(2, index.Search(Query(null, "café")).Count);
        Assert.Equal(7, index.Search(Query("SAME spot", "BAR")).Count);
        Assert.Empty(index.Search(Query("Same_Spot", null)));
    }

    [Fact]
    public void An_index_that_is_not_loaded_says_so_and_one_that_is_off_keeps_nothing()
    {
        var index = new NearbyIndex();
        Assert.False(index.IsLoaded);
        Assert.Empty(index.Search(new NearbyQuery(0, 0, 100_000, null, null, 20)));
        index.Add(Places[0]); // created while the load runs: kept, the load may have begun before it was committed
        index.Load([]);
        Assert.True(index.IsLoaded);
        Assert.Equal(1, index.Count);

        var off = new NearbyIndex(Microsoft.Extensions.Options.Options.Create(new NearbyIndexOptions { InMemory = false }));
        off.Add(Places[0]); // never loaded, so it keeps nothing
        Assert.Equal(0, off.Count);
    }

    /// <summary>
    /// Loaded with part of the places, then the rest arriving as this process's own creations (Add) and as reads of the
    /// table (Confirm), in pieces, with repeats, past the merge threshold: always the brute force over what it was given.
    /// </summary>
    [Fact]
    public void Added_and_confirmed_places_are_searched_exactly_at_every_step()
    {
        var random = new Random(29);
        var shuffled = Places.OrderBy(_ => random.Next()).ToList();
        var index = Loaded(shuffled[..15_000]);
        var known = new HashSet<PlaceDetails>(shuffled[..15_000]);
        var confirmed = 15_000;
        var queries = Searches(150, seed: 31).ToList();

        void Check(string step)
        {
            var all = known.ToList();
            Assert.Equal(known.Count, index.Count);
            Assert.Equal(confirmed, index.ConfirmedCount);
            foreach (var query in queries)
            {
                Assert.True(BruteForce(all, query).SequenceEqual(index.Search(query)), $"{step}: {query}");
            }
        }

        // Created here: searchable at once, not yet confirmed; adding twice changes nothing.
        foreach (var p in shuffled[15_000..15_300])
        {
            index.Add(p);
            index.Add(p);
            known.Add(p);
        }
        Check("after adds");

        // A read that repeats loaded places and confirms half of the added ones.
        Assert.Equal(15_150, index.Confirm([.. shuffled[14_900..15_150], .. shuffled[14_900..15_000]]));
        confirmed = 15_150;
        Check("after a first read");

        // Adding a place already confirmed changes nothing.
        index.Add(shuffled[15_100]);
        Check("after adding a confirmed place");

        // A read past the merge threshold: the bands are rebuilt with everything confirmed.
        Assert.Equal(15_150 + 200 + NearbyIndex.MergeThreshold, index.Confirm(shuffled[15_100..(15_350 + NearbyIndex.MergeThreshold)]));
        confirmed = 15_150 + 200 + NearbyIndex.MergeThreshold;
        known.UnionWith(shuffled[15_100..(15_350 + NearbyIndex.MergeThreshold)]);
        Check("after a merge");

        // A full load that misses the places added since: they stay, unconfirmed.
        foreach (var p in shuffled[^50..])
        {
            index.Add(p);
            known.Add(p);
        }
        index.Load(shuffled[..^50]);
        confirmed = shuffled.Count - 50;
        known.UnionWith(shuffled[..^50]);
        Check("after a reload without the newest");

        Assert.Equal(shuffled.Count, index.Confirm(shuffled[^60..]));
        confirmed = shuffled.Count;
        Check("after the newest are confirmed");
    }
}
