using System.Data;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Npgsql;

namespace Herenow.Grains.Places;

/// <summary>
/// What a place grain rebuilds itself from on activation: every account that has counted check-ins here (and how
/// many), the check-ins it keeps in memory (newest first), and the database's own clock at the read.
/// </summary>
public sealed record PlaceVisitsSnapshot(
    Dictionary<string, int> Visitors,
    List<PlaceCheckinRef> Checkins,
    DateTimeOffset DatabaseNow);

/// <summary>One check-in row as the place needs to judge an event about it.</summary>
public sealed record PlaceCheckinRow(
    string Author,
    Visibility Visibility,
    DateTimeOffset CreatedAt,
    DateTimeOffset? DeletedAt,
    DateTimeOffset? PublishAt,
    bool HeldUntilNext,
    bool InPrivacyZone);

/// <summary>
/// The place's read-only queries over the <c>checkins</c> table (migration 0019). That table is owned by the check-in
/// store (src/Grains/Checkins/): only the author's grain writes a row, and it commits the row before any event about
/// it is delivered. The place never writes it; it derives its statistics from it (PlaceGrain).
/// </summary>
public sealed class PlaceVisits(NpgsqlDataSource database)
{
    // Which rows a place learns of: not in a privacy zone, not deleted, and published (not held until the author's
    // next check-in, and past publish_at by the caller's clock). Visibility is the enum's value as a smallint.
    private const string Delivered = """
        place_id = @place AND deleted_at IS NULL AND NOT in_privacy_zone
        AND NOT held_until_next AND (publish_at IS NULL OR publish_at <= @now)
        """;

    /// <summary>
    /// Reads everything a place keeps, in one REPEATABLE READ snapshot so that the counts and the window agree (a
    /// row committed between two separate statements would be in one and not the other):
    /// per-author counts of the counted check-ins (public and followers-only) ever, and the delivered check-ins of
    /// every visibility with an id at or after <paramref name="windowStart"/> plus the newest
    /// <paramref name="recent"/> whatever their age. Both walk the partial index
    /// <c>checkins_place (place_id, id) WHERE deleted_at IS NULL</c>; the newest-N part backwards, stopping at N.
    /// </summary>
    public async Task<PlaceVisitsSnapshot> LoadAsync(string placeId, DateTimeOffset now, string windowStart, int recent,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT now()"),
                new NpgsqlBatchCommand($"""
                    SELECT author, count(*)::integer
                      FROM checkins
                     WHERE {Delivered} AND visibility <> {(short)Visibility.Private}
                     GROUP BY author
                    """),
                new NpgsqlBatchCommand($"""
                    SELECT id, author, visibility, created_at FROM checkins WHERE {Delivered} AND id >= @window_start
                    UNION
                    (SELECT id, author, visibility, created_at FROM checkins WHERE {Delivered} ORDER BY id DESC LIMIT @recent)
                    ORDER BY id DESC
                    """),
            },
        };
        foreach (var command in new[] { batch.BatchCommands[1], batch.BatchCommands[2] })
        {
            command.Parameters.AddWithValue("place", placeId);
            command.Parameters.AddWithValue("now", now);
        }
        batch.BatchCommands[2].Parameters.AddWithValue("window_start", windowStart);
        batch.BatchCommands[2].Parameters.AddWithValue("recent", recent);

        var visitors = new Dictionary<string, int>(StringComparer.Ordinal);
        var checkins = new List<PlaceCheckinRef>();
        DateTimeOffset databaseNow;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            databaseNow = reader.GetFieldValue<DateTimeOffset>(0);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                visitors[reader.GetString(0)] = reader.GetInt32(1);
            }
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                checkins.Add(new PlaceCheckinRef(reader.GetString(0), reader.GetString(1), (Visibility)reader.GetInt16(2),
                    reader.GetFieldValue<DateTimeOffset>(3)));
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return new PlaceVisitsSnapshot(visitors, checkins, databaseNow);
    }

    /// <summary>
    /// One check-in row of this place by id, deleted or not (the index <c>checkins_id</c>); null when there is none.
    /// The place asks only about an event it cannot judge from memory, which is rare (see PlaceGrain).
    /// </summary>
    public async Task<PlaceCheckinRow?> FindAsync(string placeId, string checkinId, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand("""
            SELECT author, visibility, created_at, deleted_at, publish_at, held_until_next, in_privacy_zone
              FROM checkins
             WHERE id = @id AND place_id = @place
            """);
        command.Parameters.AddWithValue("id", checkinId);
        command.Parameters.AddWithValue("place", placeId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        return new PlaceCheckinRow(
            reader.GetString(0),
            (Visibility)reader.GetInt16(1),
            reader.GetFieldValue<DateTimeOffset>(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
            reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4),
            reader.GetBoolean(5),
            reader.GetBoolean(6));
    }
}
