using System.Diagnostics;
using System.Globalization;
using HdrHistogram;
using Herenow.Bench.Reporting;
using Herenow.Grains.Database;
using Herenow.Grains.Places;
using Npgsql;

namespace Herenow.Bench;

/// <summary>
/// <c>nearby-micro</c>: the two candidates for the nearby search, measured in one run on the places of the database in
/// --postgres (the 135k GeoNames places of scripts/import-places.sh): the in-memory <see cref="NearbyIndex"/> and the
/// PostgreSQL query (as <see cref="PlaceDirectory.FindNearbyInDatabaseAsync"/> runs it, auto-prepared as in
/// production; unprepared; and a box-then-sort variant without the KNN walk). Queries as the bench's nearby figure sends
/// them: a random city's coordinates, radius 5-20 km, the default limit of 20; then a heavier mix (radius up to 100 km,
/// limit 50, every fourth with a name query). Before measuring, the index's answers are checked against PostgreSQL's.
/// Prints queries/s and p50/p99 per candidate and concurrency, and the index's memory. Read-only on the database.
/// <para>Usage: <c>dotnet run --project bench/Herenow.Bench -c Release -- nearby-micro [--postgres CS]
/// [--seconds 3] [--threads 2] [--sql-concurrency 1,2,8]</c></para>
/// </summary>
public static class NearbyMicroCommand
{
    public const string Verb = "nearby-micro";

    private sealed record Options(string Postgres, double Seconds, int Threads, int[] SqlConcurrency);

    public static async Task<int> RunAsync(string[] args, CancellationToken ct)
    {
        var options = Parse(args);
        var machine = MachineProbe.Read();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"nearby-micro: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm}Z, {machine.Nproc} cores ({machine.CpuModel}), {machine.RamGb} GB, {machine.Dotnet}; load average {LoadAverage()}"));

        await using var dataSource = NpgsqlDataSource.Create(DatabaseSettings.Tune(options.Postgres));
        await using var unprepared = NpgsqlDataSource.Create(
            new NpgsqlConnectionStringBuilder(DatabaseSettings.Tune(options.Postgres)) { MaxAutoPrepare = 0 }.ConnectionString);
        var directory = new PlaceDirectory(dataSource, TimeProvider.System);
        var plainDirectory = new PlaceDirectory(unprepared, TimeProvider.System);

        // Memory: what the places and the index take on the managed heap, after full collections.
        var before = GC.GetTotalMemory(forceFullCollection: true);
        var started = Stopwatch.GetTimestamp();
        var read = await directory.ReadPlacesAsync(null, cancellationToken: ct);
        var readMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var afterRead = GC.GetTotalMemory(forceFullCollection: true);
        started = Stopwatch.GetTimestamp();
        var index = new NearbyIndex();
        index.Load(read.Places);
        var buildMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var afterIndex = GC.GetTotalMemory(forceFullCollection: true);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"places: {read.Places.Count:N0} read in {readMs:0} ms, index built in {buildMs:0} ms; heap: places {(afterRead - before) / 1e6:0.0} MB " +
            $"({(double)(afterRead - before) / read.Places.Count:0} B/place), index arrays {(afterIndex - afterRead) / 1e6:0.0} MB " +
            $"(grid {index.GridBytes / 1e6:0.0} MB), total {(afterIndex - before) / 1e6:0.0} MB ({(double)(afterIndex - before) / read.Places.Count:0} B/place)"));

        var cities = read.Places.Where(p => p.Id.StartsWith("geonames-", StringComparison.Ordinal)).ToArray();
        if (cities.Length == 0)
        {
            cities = [.. read.Places];
        }
        var random = new Random(20261208);
        var benchQueries = Enumerable.Range(0, 20_000).Select(_ =>
        {
            var city = cities[random.Next(cities.Length)];
            // As the bench sends them: 5 decimals (F5), radius 5-20 km, default limit.
            return new NearbyQuery(Math.Round(city.Latitude, 5), Math.Round(city.Longitude, 5), 5_000 + random.Next(15_001), null, null, 20);
        }).ToArray();
        string[] words = ["san", "ville", "berg", "a", "on"];
        var heavyQueries = Enumerable.Range(0, 20_000).Select(i =>
        {
            var city = cities[random.Next(cities.Length)];
            return new NearbyQuery(city.Latitude, city.Longitude, 1 + random.NextDouble() * 99_999,
                i % 4 == 0 ? words[random.Next(words.Length)] : null, null, 50);
        }).ToArray();

        // The index answers as PostgreSQL does (ASCII-only texts, so ILIKE in any locale folds as OrdinalIgnoreCase).
        var mismatches = 0;
        foreach (var query in benchQueries.Take(300).Concat(heavyQueries.Take(300)))
        {
            var fromIndex = index.Search(query).Select(p => p.Place.Id).ToList();
            var fromSql = (await directory.FindNearbyInDatabaseAsync(query, ct)).Select(p => p.Place.Id).ToList();
            if (!fromIndex.SequenceEqual(fromSql))
            {
                mismatches++;
                Console.WriteLine($"  differs at {query}: index {fromIndex.Count}, sql {fromSql.Count}");
            }
        }
        Console.WriteLine($"check: 600 queries, index vs PostgreSQL: {mismatches} differ");

        var seconds = TimeSpan.FromSeconds(options.Seconds);
        Console.WriteLine();
        Console.WriteLine("| Candidate | Queries | Concurrency | Queries/s | p50 µs | p99 µs | max µs |");
        Console.WriteLine("| --- | --- | ---: | ---: | ---: | ---: | ---: |");
        foreach (var (name, queries) in new[] { ("bench (5-20 km, limit 20)", benchQueries), ("heavy (≤100 km, limit 50, ¼ text)", heavyQueries) })
        {
            for (var threads = 1; threads <= options.Threads; threads *= 2)
            {
                Print("memory index", name, threads, MeasureThreads(threads, seconds, queries, q => index.Search(q).Count));
            }
            foreach (var concurrency in options.SqlConcurrency)
            {
                Print("PostgreSQL, prepared (production query)", name, concurrency,
                    await MeasureAsync(concurrency, seconds, queries, q => directory.FindNearbyInDatabaseAsync(q, ct), ct));
            }
            Print("PostgreSQL, unprepared (production query)", name, 1,
                await MeasureAsync(1, seconds, queries, q => plainDirectory.FindNearbyInDatabaseAsync(q, ct), ct));
            foreach (var concurrency in options.SqlConcurrency)
            {
                Print("PostgreSQL, prepared box-then-sort", name, concurrency,
                    await MeasureAsync(concurrency, seconds, queries, q => BoxThenSortAsync(dataSource, q, ct), ct));
            }
        }
        Console.WriteLine();
        Console.WriteLine($"load average after: {LoadAverage()}");
        return 0;
    }

    private static void Print(string candidate, string queries, int concurrency, (long Count, double Seconds, LongHistogram Histogram) r) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| {candidate} | {queries} | {concurrency} | {r.Count / r.Seconds:N0} | {Micros(r.Histogram.GetValueAtPercentile(50)):0.0} | " +
            $"{Micros(r.Histogram.GetValueAtPercentile(99)):0.0} | {Micros(r.Histogram.GetMaxValue()):0.0} |"));

    private static double Micros(long ticks) => ticks * 1e6 / Stopwatch.Frequency;

    /// <summary>Synchronous searches on dedicated threads, each over the query list from its own offset.</summary>
    private static (long, double, LongHistogram) MeasureThreads(int threads, TimeSpan duration, NearbyQuery[] queries, Func<NearbyQuery, int> search)
    {
        // Warm up (JIT, caches).
        for (var i = 0; i < 2_000; i++) search(queries[i % queries.Length]);
        var histograms = new LongHistogram[threads];
        var counts = new long[threads];
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            var histogram = new LongHistogram(Stopwatch.Frequency * 10, 3);
            var i = t * 7919;
            long count = 0;
            for (var now = Stopwatch.GetTimestamp(); now < end; count++)
            {
                search(queries[i++ % queries.Length]);
                var done = Stopwatch.GetTimestamp();
                histogram.RecordValue(done - now);
                now = done;
            }
            histograms[t] = histogram;
            counts[t] = count;
        })).ToList();
        workers.ForEach(w => w.Start());
        workers.ForEach(w => w.Join());
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        var all = new LongHistogram(Stopwatch.Frequency * 10, 3);
        foreach (var h in histograms) all.Add(h);
        return (counts.Sum(), elapsed, all);
    }

    /// <summary><paramref name="concurrency"/> loops, each awaiting one query after the other.</summary>
    private static async Task<(long, double, LongHistogram)> MeasureAsync<T>(int concurrency, TimeSpan duration, NearbyQuery[] queries,
        Func<NearbyQuery, Task<T>> search, CancellationToken ct)
    {
        for (var i = 0; i < 50; i++) await search(queries[i]);
        var all = new LongHistogram(Stopwatch.Frequency * 10, 3);
        long total = 0;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(t => Task.Run(async () =>
        {
            var histogram = new LongHistogram(Stopwatch.Frequency * 10, 3);
            var i = t * 7919;
            long count = 0;
            for (var now = Stopwatch.GetTimestamp(); now < end && !ct.IsCancellationRequested; count++)
            {
                await search(queries[i++ % queries.Length]);
                var done = Stopwatch.GetTimestamp();
                histogram.RecordValue(done - now);
                now = done;
            }
            lock (all)
            {
                all.Add(histogram);
                total += count;
            }
        }, ct)));
        return (total, Stopwatch.GetElapsedTime(start).TotalSeconds, all);
    }

    /// <summary>
    /// The other PostgreSQL shape: every place in the box whose haversine is within the radius, sorted, limited (no
    /// KNN walk of the GiST index). Same box, same distance, same order as the production query; no text or category
    /// filter (the measured mixes use only the text filter on a quarter of the heavy queries: ILIKE as in production).
    /// </summary>
    private static async Task<int> BoxThenSortAsync(NpgsqlDataSource dataSource, NearbyQuery query, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand(query.Text is null ? BoxSql("") : BoxSql(" AND name ILIKE @pattern"));
        command.Parameters.AddWithValue("latitude", query.Latitude);
        command.Parameters.AddWithValue("longitude", query.Longitude);
        command.Parameters.AddWithValue("radius", query.RadiusM);
        command.Parameters.AddWithValue("earth_radius", PlaceDirectory.EarthRadiusM);
        command.Parameters.AddWithValue("limit", query.Limit);
        if (query.Text is not null)
        {
            command.Parameters.AddWithValue("pattern", "%" + query.Text + "%");
        }
        var count = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            _ = new PlaceDetails(reader.GetString(0), reader.GetString(1), reader.GetDouble(2), reader.GetDouble(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6), reader.IsDBNull(7) ? null : reader.GetString(7));
            count++;
        }
        return count;
    }

    private static string BoxSql(string filters) => $"""
        SELECT id, name, latitude, longitude, category, address, created_at, created_by, distance_m FROM (
            SELECT id, name, latitude, longitude, category, address, created_at, created_by,
                   2 * @earth_radius * asin(least(1, sqrt(
                       sin(radians(latitude - @latitude) / 2) ^ 2 +
                       cos(radians(@latitude)) * cos(radians(latitude)) * sin(radians(longitude - @longitude) / 2) ^ 2)))
                       AS distance_m
              FROM places
             WHERE place_earth(latitude, longitude) <@
                   earth_box(place_earth(@latitude, @longitude), @radius * earth() / @earth_radius + 1){filters}
        ) candidates
         WHERE distance_m <= @radius
         ORDER BY distance_m, id COLLATE "C"
         LIMIT @limit
        """;

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static Options Parse(string[] args)
    {
        var postgres = Environment.GetEnvironmentVariable("HERENOW_POSTGRES");
        double seconds = 3;
        var threads = Math.Max(2, Environment.ProcessorCount);
        int[] sqlConcurrency = [1, 2, 8];
        for (var i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--postgres": postgres = Value(); break;
                case "--seconds": seconds = double.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(Value(), CultureInfo.InvariantCulture); break;
                case "--sql-concurrency":
                    sqlConcurrency = [.. Value().Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture))];
                    break;
                default: throw new ArgumentException($"unknown option {args[i]} (--postgres, --seconds, --threads, --sql-concurrency)");
            }
        }
        return new Options(postgres ?? throw new ArgumentException("set --postgres or HERENOW_POSTGRES"), seconds, threads, sqlConcurrency);
    }
}
