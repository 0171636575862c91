using Microsoft.Extensions.Options;

namespace Herenow.Grains.Places;

/// <summary>
/// The nearby search from memory: every place of the places table in latitude bands of 0.1°, each band sorted by
/// longitude, so a search reads a few contiguous runs of a sorted array (docs/adr/0029-nearby-in-memory.md).
/// <para>Exact: the answer is the brute force over all places with <see cref="Geo.HaversineMeters"/> (query point
/// first), the places within <c>RadiusM</c> whose name contains <c>Text</c> and whose category is <c>Category</c>
/// (both <see cref="StringComparison.OrdinalIgnoreCase"/>), ordered by that distance and then by id (ordinal), the
/// first <c>Limit</c> of them, each with that distance. The bands and longitude runs only narrow the search (with
/// slack, and the whole band near a pole), a 3-D chord distance orders the candidates cheaply, and the haversine
/// decides for every place that can be in the answer.</para>
/// <para>What it holds, and how it stays current, is <see cref="NearbyIndexRefresher"/>'s business: a full load from
/// the table, places read again since a point in time (<see cref="Confirm"/>), and places this process has just
/// created (<see cref="Add"/>). Places are never updated or deleted (as for <see cref="PlaceCache"/>).</para>
/// Thread-safe: searches read an immutable state without locking; changes build a new state and swap it in.
/// </summary>
public sealed class NearbyIndex(IOptions<NearbyIndexOptions>? options = null)
{
    private readonly bool enabled = options?.Value.InMemory ?? true;

    /// <summary>Band height: 0.1° of latitude (11 km), 1,800 bands; a 20 km search reads about five short runs.</summary>
    private const int BandsPerDegree = 10;
    private const int Bands = 180 * BandsPerDegree;

    /// <summary>
    /// Slack in chord units (radius 1) between the chord distance and the haversine distance, and on the radius:
    /// 1e-9 is 6 mm on the Earth, about a million times the floating-point error of either computation.
    /// </summary>
    private const double ChordSlack = 1e-9;

    /// <summary>Slack on the latitude and longitude bounds of the searched area: 1e-6° (11 cm at most).</summary>
    private const double DegreeSlack = 1e-6;

    /// <summary>Places confirmed by a read since the last full load are merged into the bands beyond this many.</summary>
    public const int MergeThreshold = 512;

    private const double DegreesToRadians = Math.PI / 180;

    private static readonly HashSet<string> NoIds = [];

    private readonly Lock gate = new();
    private volatile State state = State.Empty;

    /// <summary>True once a full load has been installed; until then <see cref="Search"/> must not be asked.</summary>
    public bool IsLoaded => state.Loaded;

    /// <summary>Places read from the table (bands and the recent ones not yet merged into them).</summary>
    public int ConfirmedCount => state.ConfirmedCount;

    /// <summary>All places searched, including the ones this process created that no read has confirmed yet.</summary>
    public int Count
    {
        get
        {
            var current = state;
            return current.ConfirmedCount + current.Unconfirmed.Length;
        }
    }

    /// <summary>
    /// Installs a full read of the table. The places this process added that the read does not hold (created after
    /// it began) stay searchable until a later read confirms them. <see cref="Load"/> and <see cref="Confirm"/> are
    /// called by one caller at a time (the refresher); <see cref="Add"/> and <see cref="Search"/> by anyone, any time.
    /// </summary>
    public void Load(IReadOnlyCollection<PlaceDetails> places)
    {
        ArgumentNullException.ThrowIfNull(places);
        var grid = Grid.Build(places);
        lock (gate)
        {
            state = new State(grid, [], Keep(state.Unconfirmed, grid, NoIds), Loaded: true);
        }
    }

    /// <summary>
    /// Places read from the table again (a delta: everything created since some time, which may repeat places already
    /// held). Returns the places confirmed by reads now, to compare with the table's count in the same snapshot.
    /// </summary>
    public int Confirm(IReadOnlyCollection<PlaceDetails> places)
    {
        ArgumentNullException.ThrowIfNull(places);
        var current = state;
        var fresh = new List<PlaceDetails>();
        var seen = new HashSet<string>(current.Extra.Select(p => p.Id), StringComparer.Ordinal);
        foreach (var place in places)
        {
            if (!current.Grid.Contains(place) && seen.Add(place.Id))
            {
                fresh.Add(place);
            }
        }
        if (fresh.Count == 0)
        {
            return current.ConfirmedCount;
        }
        // Only the refresher confirms, one read at a time; Add may run meanwhile, so the swap takes the latest
        // unconfirmed places under the lock.
        var grid = current.Grid;
        var extra = current.Extra.Concat(fresh).ToArray();
        if (extra.Length > MergeThreshold)
        {
            grid = Grid.Build([.. grid.Places, .. extra]);
            extra = [];
        }
        lock (gate)
        {
            var confirmedIds = fresh.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            state = new State(grid, extra, Keep(state.Unconfirmed, grid, confirmedIds), state.Loaded);
            return state.ConfirmedCount;
        }
    }

    /// <summary>
    /// A place this process just created: searchable at once, here (another process sees it after its next read).
    /// Kept even before the first load (a load that began before the place was committed keeps it); ignored when the
    /// index is off (<see cref="NearbyIndexOptions.InMemory"/> false), which is never loaded.
    /// </summary>
    public void Add(PlaceDetails place)
    {
        ArgumentNullException.ThrowIfNull(place);
        if (!enabled)
        {
            return;
        }
        lock (gate)
        {
            var current = state;
            if (current.Grid.Contains(place) || current.Extra.Any(p => p.Id == place.Id) ||
                current.Unconfirmed.Any(p => p.Id == place.Id))
            {
                return;
            }
            state = current with { Unconfirmed = [.. current.Unconfirmed, place] };
        }
    }

    /// <summary>
    /// The answer to <paramref name="query"/> as described on the class. The query is taken as validated
    /// (<c>PlaceRules.ReadNearby</c>): finite coordinates in range, a positive radius, a positive limit.
    /// </summary>
    public IReadOnlyList<NearbyPlace> Search(NearbyQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var current = state;
        var scan = new Scan(query);
        current.Grid.Search(ref scan);
        foreach (var place in current.Extra)
        {
            scan.Consider(place, Point.Of(place.Latitude, place.Longitude));
        }
        foreach (var place in current.Unconfirmed)
        {
            scan.Consider(place, Point.Of(place.Latitude, place.Longitude));
        }
        return scan.Finish();
    }

    /// <summary>The unconfirmed places that neither the grid nor <paramref name="confirmed"/> holds.</summary>
    private static PlaceDetails[] Keep(PlaceDetails[] unconfirmed, Grid grid, HashSet<string> confirmed) =>
        unconfirmed.Length == 0 ? unconfirmed
            : unconfirmed.Where(p => !confirmed.Contains(p.Id) && !grid.Contains(p)).ToArray();

    /// <summary>Bytes the grid's own arrays take (the places' objects and strings not counted).</summary>
    public long GridBytes => state.Grid.Bytes;

    private sealed record State(Grid Grid, PlaceDetails[] Extra, PlaceDetails[] Unconfirmed, bool Loaded)
    {
        public static readonly State Empty = new(Grid.Build([]), [], [], Loaded: false);

        public int ConfirmedCount => Grid.Places.Length + Extra.Length;
    }

    /// <summary>A point on the unit sphere, with its longitude (the key within a band).</summary>
    private readonly record struct Point(double Longitude, double X, double Y, double Z)
    {
        public static Point Of(double latitude, double longitude)
        {
            var lat = latitude * DegreesToRadians;
            var lon = longitude * DegreesToRadians;
            var cosLat = Math.Cos(lat);
            return new Point(longitude, cosLat * Math.Cos(lon), cosLat * Math.Sin(lon), Math.Sin(lat));
        }

        public double ChordSquared(in Point other)
        {
            var dx = X - other.X;
            var dy = Y - other.Y;
            var dz = Z - other.Z;
            return dx * dx + dy * dy + dz * dz;
        }
    }

    private static int Band(double latitude) => Math.Clamp((int)Math.Floor((latitude + 90) * BandsPerDegree), 0, Bands - 1);

    /// <summary>The places sorted by (band, longitude); band b is [BandStart[b], BandStart[b + 1]).</summary>
    private sealed class Grid
    {
        private readonly int[] bandStart;
        private readonly Point[] points;

        private Grid(int[] bandStart, Point[] points, PlaceDetails[] places)
        {
            this.bandStart = bandStart;
            this.points = points;
            Places = places;
        }

        public PlaceDetails[] Places { get; }

        public long Bytes => bandStart.Length * sizeof(int) + points.Length * 32L + Places.Length * (long)IntPtr.Size;

        public static Grid Build(IReadOnlyCollection<PlaceDetails> source)
        {
            var places = source.ToArray();
            var bands = new int[places.Length];
            var points = new Point[places.Length];
            for (var i = 0; i < places.Length; i++)
            {
                bands[i] = Band(places[i].Latitude);
                points[i] = Point.Of(places[i].Latitude, places[i].Longitude);
            }
            var order = new int[places.Length];
            for (var i = 0; i < order.Length; i++)
            {
                order[i] = i;
            }
            Array.Sort(order, (a, b) =>
            {
                var byBand = bands[a].CompareTo(bands[b]);
                return byBand != 0 ? byBand : points[a].Longitude.CompareTo(points[b].Longitude);
            });
            var sortedPlaces = new PlaceDetails[places.Length];
            var sortedPoints = new Point[places.Length];
            var bandStart = new int[Bands + 1];
            for (var i = 0; i < order.Length; i++)
            {
                sortedPlaces[i] = places[order[i]];
                sortedPoints[i] = points[order[i]];
                bandStart[bands[order[i]] + 1]++;
            }
            for (var b = 0; b < Bands; b++)
            {
                bandStart[b + 1] += bandStart[b];
            }
            return new Grid(bandStart, sortedPoints, sortedPlaces);
        }

        /// <summary>Whether this very place (by id, at its coordinates) is held.</summary>
        public bool Contains(PlaceDetails place)
        {
            var band = Band(place.Latitude);
            var end = bandStart[band + 1];
            for (var i = LowerBound(bandStart[band], end, place.Longitude); i < end && points[i].Longitude == place.Longitude; i++)
            {
                if (Places[i].Id == place.Id)
                {
                    return true;
                }
            }
            return false;
        }

        public void Search(ref Scan scan)
        {
            var query = scan.Query;
            var radians = query.RadiusM / PlaceDirectory.EarthRadiusM;
            var degrees = radians / DegreesToRadians;
            var latLow = query.Latitude - degrees - DegreeSlack;
            var latHigh = query.Latitude + degrees + DegreeSlack;

            // The circle's longitudes: within asin(sin r / cos lat) of the centre's, unless it holds (or nearly touches)
            // a pole, where every longitude is in it. ratio >= 0.999 (beyond ±87°) takes the whole band as well: the
            // formula is ill-conditioned there and the bands that close to a pole are short.
            var allLongitudes = latHigh >= 90 || latLow <= -90 || radians >= Math.PI / 2;
            double halfWidth = 180;
            if (!allLongitudes)
            {
                var ratio = Math.Sin(radians + ChordSlack) / Math.Cos(query.Latitude * DegreesToRadians);
                allLongitudes = !(ratio < 0.999);
                halfWidth = allLongitudes ? 180 : Math.Asin(ratio) / DegreesToRadians + DegreeSlack;
            }
            // Up to two runs per band: across the antimeridian the range wraps (a place at -180 is also at 180).
            var low = query.Longitude - halfWidth;
            var high = query.Longitude + halfWidth;
            Span<(double Low, double High)> runs = stackalloc (double, double)[2];
            int runCount;
            if (allLongitudes || high - low >= 360)
            {
                runs[0] = (-180, 180);
                runCount = 1;
            }
            else if (low <= -180)
            {
                runs[0] = (-180, high);
                runs[1] = (low + 360, 180);
                runCount = 2;
            }
            else if (high >= 180)
            {
                runs[0] = (low, 180);
                runs[1] = (-180, high - 360);
                runCount = 2;
            }
            else
            {
                runs[0] = (low, high);
                runCount = 1;
            }

            for (var band = Band(latLow); band <= Band(latHigh); band++)
            {
                var end = bandStart[band + 1];
                for (var r = 0; r < runCount; r++)
                {
                    var (runLow, runHigh) = runs[r];
                    for (var i = LowerBound(bandStart[band], end, runLow); i < end && points[i].Longitude <= runHigh; i++)
                    {
                        scan.Consider(Places[i], points[i]);
                    }
                }
            }
        }

        /// <summary>The first index in [start, end) whose longitude is at least <paramref name="longitude"/>.</summary>
        private int LowerBound(int start, int end, double longitude)
        {
            while (start < end)
            {
                var middle = (int)((uint)(start + end) >> 1);
                if (points[middle].Longitude < longitude)
                {
                    start = middle + 1;
                }
                else
                {
                    end = middle;
                }
            }
            return start;
        }
    }

    /// <summary>
    /// One search's candidates. A candidate is kept when its chord is within the radius and within the bound the
    /// best <c>Limit</c> matches so far allow; the haversine then decides among the survivors (see <see cref="Finish"/>).
    /// </summary>
    private struct Scan
    {
        public readonly NearbyQuery Query;
        private readonly Point center;
        private readonly double maxChordSquared;
        private readonly int limit;
        private double bound;
        // The chords of the best matches so far, a max-heap of at most limit entries.
        private double[] best;
        private int bestCount;
        private readonly List<(PlaceDetails Place, double ChordSquared)> candidates;

        public Scan(NearbyQuery query)
        {
            Query = query;
            center = Point.Of(query.Latitude, query.Longitude);
            var maxChord = 2 * Math.Sin(Math.Min(query.RadiusM / PlaceDirectory.EarthRadiusM, Math.PI) / 2) + ChordSlack;
            maxChordSquared = maxChord * maxChord;
            bound = maxChordSquared;
            limit = Math.Max(1, query.Limit);
            best = new double[Math.Min(limit, 64)];
            bestCount = 0;
            candidates = new List<(PlaceDetails, double)>(64);
        }

        public void Consider(PlaceDetails place, in Point point)
        {
            var chordSquared = center.ChordSquared(point);
            if (chordSquared > bound || !Matches(place))
            {
                return;
            }
            candidates.Add((place, chordSquared));
            if (bestCount < limit)
            {
                if (bestCount == best.Length)
                {
                    Array.Resize(ref best, Math.Min(limit, best.Length * 2));
                }
                best[bestCount++] = chordSquared;
                SiftUp(bestCount - 1);
                if (bestCount == limit)
                {
                    bound = Bound(best[0]);
                }
            }
            else if (chordSquared < best[0])
            {
                best[0] = chordSquared;
                SiftDown();
                bound = Bound(best[0]);
            }
        }

        /// <summary>
        /// Everything that can be among the first <c>Limit</c> by haversine distance: with L the limit-th smallest
        /// chord, at least L matches have a haversine chord below L + slack, so any of the answer has one below that
        /// and a chord below L + 2 × slack.
        /// </summary>
        private readonly double Bound(double limitChordSquared)
        {
            var chord = Math.Sqrt(limitChordSquared) + 2 * ChordSlack;
            return Math.Min(maxChordSquared, chord * chord);
        }

        private readonly bool Matches(PlaceDetails place) =>
            (Query.Category is null || string.Equals(place.Category, Query.Category, StringComparison.OrdinalIgnoreCase)) &&
            (Query.Text is null || place.Name.Contains(Query.Text, StringComparison.OrdinalIgnoreCase));

        public readonly List<NearbyPlace> Finish()
        {
            var results = new List<NearbyPlace>(Math.Min(candidates.Count, limit));
            foreach (var (place, chordSquared) in candidates)
            {
                if (chordSquared > bound)
                {
                    continue;
                }
                var distance = Geo.HaversineMeters(Query.Latitude, Query.Longitude, place.Latitude, place.Longitude);
                if (distance <= Query.RadiusM)
                {
                    results.Add(new NearbyPlace(place, distance));
                }
            }
            results.Sort(static (a, b) =>
            {
                var byDistance = a.DistanceM.CompareTo(b.DistanceM);
                return byDistance != 0 ? byDistance : string.CompareOrdinal(a.Place.Id, b.Place.Id);
            });
            if (results.Count > limit)
            {
                results.RemoveRange(limit, results.Count - limit);
            }
            return results;
        }

        private readonly void SiftUp(int i)
        {
            while (i > 0)
            {
                var parent = (i - 1) / 2;
                if (best[parent] >= best[i])
                {
                    return;
                }
                (best[parent], best[i]) = (best[i], best[parent]);
                i = parent;
            }
        }

        private readonly void SiftDown()
        {
            var i = 0;
            while (true)
            {
                var largest = i;
                var left = 2 * i + 1;
                var right = left + 1;
                if (left < bestCount && best[left] > best[largest]) largest = left;
                if (right < bestCount && best[right] > best[largest]) largest = right;
                if (largest == i)
                {
                    return;
                }
                (best[largest], best[i]) = (best[i], best[largest]);
                i = largest;
            }
        }
    }
}
