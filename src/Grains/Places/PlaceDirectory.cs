using System.Text;
using Herenow.Grains.Common;
using Npgsql;

namespace Herenow.Grains.Places;

/// <summary>What a new place is made of; validated by the caller.</summary>
public sealed record NewPlace(string Name, double Latitude, double Longitude, string? Category, string? Address, string? CreatedBy);

/// <summary>
/// A nearby search: places within <paramref name="RadiusM"/> metres of a point, optionally whose name contains
/// <paramref name="Text"/> and whose category is <paramref name="Category"/> (both case-insensitive).
/// </summary>
public sealed record NearbyQuery(double Latitude, double Longitude, double RadiusM, string? Text, string? Category, int Limit);

public sealed record NearbyPlace(PlaceDetails Place, double DistanceM);

/// <summary>Places read from the table in one snapshot, with the table's row count in that snapshot and its time.</summary>
public sealed record PlaceRead(IReadOnlyList<PlaceDetails> Places, long Total, DateTimeOffset ReadAt);

/// <summary>
/// The places table: creating a place, reading one, and the nearby search. The table is the source of truth for a
/// place's details; PlaceGrain holds only statistics. Used by the API and by PlaceGrain.
/// <para>The nearby search answers from <paramref name="nearby"/>, the in-memory index, once it is loaded (the API
/// process registers one, docs/adr/0029-nearby-in-memory.md), and from the table's GiST index otherwise
/// (docs/adr/0010-nearby-search-index.md): while the index loads, and in processes without one (the silo). A place
/// created here goes into that index at once.</para>
/// </summary>
public sealed class PlaceDirectory(NpgsqlDataSource database, TimeProvider clock, NearbyIndex? nearby = null)
{
    /// <summary>The mean Earth radius (IUGG) that every distance Herenow reports is measured with.</summary>
    public const double EarthRadiusM = 6371008.8;

    private const string Columns = "id, name, latitude, longitude, category, address, created_at, created_by";

    public async Task<PlaceDetails> CreateAsync(NewPlace place, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand($"""
            INSERT INTO places (id, name, latitude, longitude, category, address, created_at, created_by)
            VALUES (@id, @name, @latitude, @longitude, @category, @address, @created_at, @created_by)
            RETURNING {Columns}
            """);
        var now = clock.GetUtcNow();
        command.Parameters.AddWithValue("id", TimeOrderedId.New(now));
        command.Parameters.AddWithValue("name", place.Name);
        command.Parameters.AddWithValue("latitude", place.Latitude);
        command.Parameters.AddWithValue("longitude", place.Longitude);
        command.Parameters.AddWithValue("category", (object?)place.Category ?? DBNull.Value);
        command.Parameters.AddWithValue("address", (object?)place.Address ?? DBNull.Value);
        command.Parameters.AddWithValue("created_at", now);
        command.Parameters.AddWithValue("created_by", (object?)place.CreatedBy ?? DBNull.Value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        // RETURNING gives what was stored (timestamps at PostgreSQL's microsecond precision).
        var created = Read(reader);
        // This process's nearby searches find it from now on; other processes after their next refresh.
        nearby?.Add(created);
        return created;
    }

    public async Task<PlaceDetails?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand($"SELECT {Columns} FROM places WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    /// <summary>
    /// Places within the radius, nearest first (ties by id), each with its great-circle distance: from the in-memory
    /// index when there is one and it is loaded (no database round trip), else from the table.
    /// </summary>
    public Task<IReadOnlyList<NearbyPlace>> FindNearbyAsync(NearbyQuery query, CancellationToken cancellationToken = default) =>
        nearby is { IsLoaded: true } index
            ? Task.FromResult(index.Search(query))
            : FindNearbyInDatabaseAsync(query, cancellationToken);

    /// <summary>
    /// The nearby search in PostgreSQL. Exact: the GiST index narrows the search to a cube around the point that
    /// contains the whole circle, and the haversine distance on the mean Earth radius decides. Name matching is ILIKE
    /// (case folding by the database's locale; the in-memory index folds like .NET's OrdinalIgnoreCase).
    /// </summary>
    public async Task<IReadOnlyList<NearbyPlace>> FindNearbyInDatabaseAsync(NearbyQuery query, CancellationToken cancellationToken = default)
    {
        var filters = new StringBuilder();
        await using var command = database.CreateCommand();
        if (!string.IsNullOrEmpty(query.Text))
        {
            filters.Append(" AND name ILIKE @pattern");
            command.Parameters.AddWithValue("pattern", "%" + EscapeLike(query.Text) + "%");
        }
        if (!string.IsNullOrEmpty(query.Category))
        {
            filters.Append(" AND lower(category) = lower(@category)");
            command.Parameters.AddWithValue("category", query.Category);
        }
        // earth_box() measures on earthdistance's own sphere (earth(), 6378168 m), a little larger than ours: scale the
        // radius so the box still holds the whole circle, plus a metre against rounding. The inner query walks the
        // index nearest first (KNN on the chord distance, which orders exactly as the great-circle distance does)
        // and stops after @limit matches; the outer one orders by the reported distance, then id (byte order, whatever
        // the database's collation).
        command.CommandText = $"""
            SELECT {Columns}, distance_m FROM (
                SELECT {Columns}, distance_m FROM (
                    SELECT {Columns},
                           2 * @earth_radius * asin(least(1, sqrt(
                               sin(radians(latitude - @latitude) / 2) ^ 2 +
                               cos(radians(@latitude)) * cos(radians(latitude)) * sin(radians(longitude - @longitude) / 2) ^ 2)))
                               AS distance_m
                      FROM places
                     WHERE place_earth(latitude, longitude) <@
                           earth_box(place_earth(@latitude, @longitude), @radius * earth() / @earth_radius + 1){filters}
                ) candidates
                 WHERE distance_m <= @radius
                 ORDER BY place_earth(latitude, longitude) <-> place_earth(@latitude, @longitude)
                 LIMIT @limit
            ) nearest
            ORDER BY distance_m, id COLLATE "C"
            """;
        command.Parameters.AddWithValue("latitude", query.Latitude);
        command.Parameters.AddWithValue("longitude", query.Longitude);
        command.Parameters.AddWithValue("radius", query.RadiusM);
        command.Parameters.AddWithValue("earth_radius", EarthRadiusM);
        command.Parameters.AddWithValue("limit", query.Limit);

        var places = new List<NearbyPlace>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            places.Add(new NearbyPlace(Read(reader), reader.GetDouble(8)));
        }
        return places;
    }

    /// <summary>
    /// Reads places for the in-memory index: all of them (<paramref name="since"/> null), or those created at or after
    /// <paramref name="since"/>, together with the table's row count and the database's clock, all in one
    /// snapshot (a read-only REPEATABLE READ transaction), so that the count tells whether the places read so far are
    /// all there is. When the table holds exactly <paramref name="unlessTotal"/> rows no rows are read (nothing can be
    /// new: places are never deleted), so a refresh with nothing to do costs one count. Repeated categories and
    /// addresses (the import's "city" and country codes) share one string.
    /// </summary>
    public async Task<PlaceRead> ReadPlacesAsync(DateTimeOffset? since, long? unlessTotal = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        long total;
        DateTimeOffset readAt;
        await using (var head = new NpgsqlCommand("SELECT count(*), now() FROM places", connection, transaction))
        await using (var reader = await head.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            total = reader.GetInt64(0);
            readAt = reader.GetFieldValue<DateTimeOffset>(1);
        }
        if (total == unlessTotal)
        {
            await transaction.CommitAsync(cancellationToken);
            return new PlaceRead([], total, readAt);
        }
        var places = new List<PlaceDetails>(since is null ? (int)Math.Min(total, 10_000_000) : 16);
        await using (var rows = new NpgsqlCommand(
            since is null ? $"SELECT {Columns} FROM places" : $"SELECT {Columns} FROM places WHERE created_at >= @since",
            connection, transaction))
        {
            if (since is { } from)
            {
                rows.Parameters.AddWithValue("since", from);
            }
            var shared = new Dictionary<string, string>(StringComparer.Ordinal);
            string? Share(string? value) =>
                value is null || value.Length > 16 ? value
                    : shared.TryGetValue(value, out var known) ? known
                    : shared.Count < 10_000 ? shared[value] = value : value;
            await using var reader = await rows.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var place = Read(reader);
                places.Add(place with { Category = Share(place.Category), Address = Share(place.Address) });
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return new PlaceRead(places, total, readAt);
    }

    private static PlaceDetails Read(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetDouble(2),
        reader.GetDouble(3),
        reader.IsDBNull(4) ? null : reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5),
        reader.GetFieldValue<DateTimeOffset>(6),
        reader.IsDBNull(7) ? null : reader.GetString(7));

    /// <summary>The text matched literally: LIKE's wildcards and its escape character lose their meaning.</summary>
    private static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal)
            .Replace("%", @"\%", StringComparison.Ordinal)
            .Replace("_", @"\_", StringComparison.Ordinal);
}
