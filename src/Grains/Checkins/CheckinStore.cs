using System.Text.Json;
using Herenow.Grains.Common;
using Herenow.Grains.Media;
using Npgsql;
using NpgsqlTypes;

namespace Herenow.Grains.Checkins;

/// <summary>
/// The <c>checkins</c>, <c>checkin_likes</c> and <c>checkin_counts</c> tables (migrations 0019 and 0021,
/// docs/adr/0025-checkins-as-rows.md): the one
/// place in the code that reads and writes them, except the place grain's read-only window (Places/PlaceVisits.cs).
/// Inserts come through <see cref="CheckinWriter"/> (group commit); a row's later changes (delete, release, likes)
/// through its own <see cref="CheckinGrain"/>; the outbox columns through the author's grain and the sweeper.
/// </summary>
public sealed partial class CheckinStore(NpgsqlDataSource database)
{
    private const string Columns = """
        author, id, place_id, place_name, place_latitude, place_longitude, place_category, latitude, longitude,
        accuracy_m, shout, visibility, media, created_at, publish_at, held_until_next, in_privacy_zone, likes_count, deleted_at
        """;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Inserts the rows in one transaction (one commit for all: group commit), and counts them in their authors'
    /// <c>checkin_counts</c>. A row whose author already used its Idempotency-Key, or that exists already (a retried
    /// insert), is skipped: the result says which rows are new.
    /// </summary>
    public async Task<HashSet<string>> InsertAsync(IReadOnlyList<CheckinInsert> rows, CancellationToken ct = default)
    {
        await using var command = database.CreateCommand($"""
            WITH inserted AS (
            INSERT INTO checkins (author, id, place_id, place_name, place_latitude, place_longitude, place_category,
                latitude, longitude, accuracy_m, shout, visibility, media, created_at, publish_at, held_until_next,
                in_privacy_zone, idempotency_key, outbox_due)
            SELECT * FROM unnest(@author, @id, @place_id, @place_name, @place_latitude, @place_longitude, @place_category,
                @latitude, @longitude, @accuracy_m, @shout, @visibility, @media, @created_at, @publish_at, @held_until_next,
                @in_privacy_zone, @idempotency_key, @outbox_due)
            ON CONFLICT DO NOTHING
            RETURNING author, id, visibility
            ),
            -- Only rows that are new count (a retried insert adds nothing). In key order, so two writers never deadlock.
            counted AS (
            INSERT INTO checkin_counts AS c (author, visibility, live)
            SELECT author, visibility, count(*) FROM inserted GROUP BY author, visibility ORDER BY author, visibility
            ON CONFLICT (author, visibility) DO UPDATE SET live = c.live + excluded.live
            )
            SELECT id FROM inserted
            """);
        var p = command.Parameters;
        p.Add(Array("author", NpgsqlDbType.Text, rows.Select(r => r.Record.Author)));
        p.Add(Array("id", NpgsqlDbType.Text, rows.Select(r => r.Record.Id)));
        p.Add(Array("place_id", NpgsqlDbType.Text, rows.Select(r => r.Record.Place.Id)));
        p.Add(Array("place_name", NpgsqlDbType.Text, rows.Select(r => r.Record.Place.Name)));
        p.Add(Array("place_latitude", NpgsqlDbType.Double, rows.Select(r => r.Record.Place.Latitude)));
        p.Add(Array("place_longitude", NpgsqlDbType.Double, rows.Select(r => r.Record.Place.Longitude)));
        p.Add(Array("place_category", NpgsqlDbType.Text, rows.Select(r => r.Record.Place.Category)));
        p.Add(Array("latitude", NpgsqlDbType.Double, rows.Select(r => r.Record.Latitude)));
        p.Add(Array("longitude", NpgsqlDbType.Double, rows.Select(r => r.Record.Longitude)));
        p.Add(Array("accuracy_m", NpgsqlDbType.Double, rows.Select(r => r.Record.AccuracyM)));
        p.Add(Array("shout", NpgsqlDbType.Text, rows.Select(r => r.Record.Shout)));
        p.Add(Array("visibility", NpgsqlDbType.Smallint, rows.Select(r => (short)r.Record.Visibility)));
        p.Add(Array("media", NpgsqlDbType.Jsonb, rows.Select(r => JsonSerializer.Serialize(r.Record.Media ?? [], Json))));
        p.Add(Array("created_at", NpgsqlDbType.TimestampTz, rows.Select(r => r.Record.CreatedAt)));
        p.Add(Array("publish_at", NpgsqlDbType.TimestampTz, rows.Select(r => r.Record.PublishAt)));
        p.Add(Array("held_until_next", NpgsqlDbType.Boolean, rows.Select(r => r.Record.HeldUntilNext)));
        p.Add(Array("in_privacy_zone", NpgsqlDbType.Boolean, rows.Select(r => r.Record.InPrivacyZone)));
        p.Add(Array("idempotency_key", NpgsqlDbType.Text, rows.Select(r => r.IdempotencyKey)));
        p.Add(Array("outbox_due", NpgsqlDbType.TimestampTz, rows.Select(r => r.OutboxDue)));
        var inserted = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            inserted.Add(reader.GetString(0));
        }
        return inserted;
    }

    /// <summary>The row, deleted or not; null when it never existed.</summary>
    public async Task<StoredCheckin?> GetAsync(string id)
    {
        await using var command = database.CreateCommand($"SELECT {Columns} FROM checkins WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        return (await ReadAllAsync(command)).FirstOrDefault();
    }

    /// <summary>Whether each of the ids is a check-in that committed and is not deleted.</summary>
    public async Task<HashSet<string>> LiveAsync(IReadOnlyCollection<string> ids)
    {
        await using var command = database.CreateCommand("SELECT id FROM checkins WHERE id = ANY(@ids) AND deleted_at IS NULL");
        command.Parameters.AddWithValue("ids", ids.ToArray());
        var live = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            live.Add(reader.GetString(0));
        }
        return live;
    }

    /// <summary>The live check-in <paramref name="author"/> created with this Idempotency-Key, if any.</summary>
    public async Task<StoredCheckin?> FindByKeyAsync(string author, string idempotencyKey)
    {
        await using var command = database.CreateCommand(
            $"SELECT {Columns} FROM checkins WHERE author = @author AND idempotency_key = @key AND deleted_at IS NULL");
        command.Parameters.AddWithValue("author", author);
        command.Parameters.AddWithValue("key", idempotencyKey);
        return (await ReadAllAsync(command)).FirstOrDefault();
    }

    /// <summary>
    /// What the author's grain keeps in memory, in one round trip: the newest id (its logical clock), live counts by
    /// visibility, the held check-ins, and the events still waiting in the outbox.
    /// </summary>
    public async Task<AuthorCheckins> LoadAuthorAsync(string author)
    {
        await using var batch = database.CreateBatch();
        batch.BatchCommands.Add(Command("SELECT max(id) FROM checkins WHERE author = @author", ("author", author)));
        batch.BatchCommands.Add(Command("SELECT visibility, live FROM checkin_counts WHERE author = @author", ("author", author)));
        // Two arms, so each reads its small partial index (migration 0021) rather than every row of the author.
        batch.BatchCommands.Add(Command("""
            SELECT id, publish_at FROM checkins WHERE author = @author AND deleted_at IS NULL AND held_until_next
            UNION ALL
            SELECT id, publish_at FROM checkins
            WHERE author = @author AND deleted_at IS NULL AND publish_at > now() AND NOT held_until_next
            """, ("author", author)));
        batch.BatchCommands.Add(Command($"""
            SELECT {Columns} FROM checkins WHERE author = @author AND outbox_due IS NOT NULL
            """, ("author", author)));
        await using var reader = await batch.ExecuteReaderAsync();
        await reader.ReadAsync();
        var newest = reader.IsDBNull(0) ? null : reader.GetString(0);
        await reader.NextResultAsync();
        var counts = new Dictionary<Visibility, int>();
        while (await reader.ReadAsync())
        {
            counts[(Visibility)reader.GetInt16(0)] = (int)reader.GetInt64(1);
        }
        await reader.NextResultAsync();
        var held = new List<(string Id, DateTimeOffset? PublishAt)>();
        while (await reader.ReadAsync())
        {
            held.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetFieldValue<DateTimeOffset>(1)));
        }
        await reader.NextResultAsync();
        var outbox = new List<StoredCheckin>();
        while (await reader.ReadAsync())
        {
            outbox.Add(Read(reader));
        }
        return new AuthorCheckins(newest, counts, held, outbox);
    }

    /// <summary>A page of the author's live check-ins of the given visibilities, newest first.</summary>
    public async Task<List<CheckinEntry>> HistoryAsync(string author, PageQuery page, IReadOnlyList<Visibility> visibilities)
    {
        // min_id pages forward: the oldest ones above it, returned newest first like the others.
        var forward = page.MinId is not null;
        await using var command = database.CreateCommand($"""
            SELECT id, visibility FROM checkins
            WHERE author = @author AND deleted_at IS NULL AND visibility = ANY(@visibilities)
              AND (@max::text IS NULL OR id < @max) AND (@since::text IS NULL OR id > @since) AND (@min::text IS NULL OR id > @min)
            ORDER BY id {(forward ? "ASC" : "DESC")} LIMIT @limit
            """);
        command.Parameters.AddWithValue("author", author);
        command.Parameters.AddWithValue("visibilities", visibilities.Select(v => (short)v).ToArray());
        command.Parameters.Add(Nullable("max", NpgsqlDbType.Text, page.MaxId));
        command.Parameters.Add(Nullable("since", NpgsqlDbType.Text, page.SinceId));
        command.Parameters.Add(Nullable("min", NpgsqlDbType.Text, page.MinId));
        command.Parameters.AddWithValue("limit", Math.Max(0, page.Limit));
        var entries = new List<CheckinEntry>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                entries.Add(new CheckinEntry(reader.GetString(0), author, (Visibility)reader.GetInt16(1)));
            }
        }
        if (forward)
        {
            entries.Reverse();
        }
        return entries;
    }

    /// <summary>The ids of the author's newest live check-ins (the deletion saga works through them).</summary>
    public async Task<List<string>> NewestIdsAsync(string author, int limit)
    {
        await using var command = database.CreateCommand(
            "SELECT id FROM checkins WHERE author = @author AND deleted_at IS NULL ORDER BY id DESC LIMIT @limit");
        command.Parameters.AddWithValue("author", author);
        command.Parameters.AddWithValue("limit", limit);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }

    /// <summary>
    /// Deletes a check-in: the row stays as an emptied tombstone with its delete in the outbox. Its key is freed (a
    /// retry with it may create again, as a deleted check-in is not "the first result"). Returns the row as it was,
    /// or null when it was already deleted or never existed.
    /// </summary>
    public async Task<StoredCheckin?> MarkDeletedAsync(string author, string id, DateTimeOffset now, DateTimeOffset? outboxDue)
    {
        // The likes and the author's count go with it, in the same statement (a data-modifying CTE runs whatever the
        // outer query returns).
        await using var command = database.CreateCommand($"""
            WITH old AS (SELECT {Columns} FROM checkins WHERE author = @author AND id = @id AND deleted_at IS NULL FOR UPDATE),
                 likes AS (DELETE FROM checkin_likes WHERE checkin_id = @id AND EXISTS (SELECT 1 FROM old)),
                 counted AS (UPDATE checkin_counts n SET live = n.live - 1 FROM old WHERE n.author = old.author AND n.visibility = old.visibility)
            UPDATE checkins c SET deleted_at = @now, outbox_due = @due, shout = NULL, media = '[]', idempotency_key = NULL,
                likes_count = 0
            FROM old WHERE c.author = old.author AND c.id = old.id
            RETURNING {string.Join(", ", Columns.Split(',').Select(c => "old." + c.Trim()))}
            """);
        command.Parameters.AddWithValue("author", author);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.Add(Nullable("due", NpgsqlDbType.TimestampTz, outboxDue));
        return (await ReadAllAsync(command)).FirstOrDefault();
    }

    /// <summary>Ends a hold (post later): published at <paramref name="at"/>, its create in the outbox. Null when deleted.</summary>
    public async Task<StoredCheckin?> PublishAsync(string author, string id, DateTimeOffset at, DateTimeOffset outboxDue)
    {
        await using var command = database.CreateCommand($"""
            UPDATE checkins SET publish_at = @at, held_until_next = false, outbox_due = @due
            WHERE author = @author AND id = @id AND deleted_at IS NULL
            RETURNING {Columns}
            """);
        command.Parameters.AddWithValue("author", author);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("at", at);
        command.Parameters.AddWithValue("due", outboxDue);
        return (await ReadAllAsync(command)).FirstOrDefault();
    }

    /// <summary>Adds or removes a like (idempotent per user) and keeps the count on the check-in, in one statement.</summary>
    public async Task<int?> SetLikeAsync(string author, string id, string username, bool liked)
    {
        await using var command = database.CreateCommand(liked
            ? """
              WITH changed AS (INSERT INTO checkin_likes (checkin_id, username) VALUES (@id, @user) ON CONFLICT DO NOTHING RETURNING 1)
              UPDATE checkins SET likes_count = likes_count + (SELECT count(*) FROM changed)
              WHERE author = @author AND id = @id AND deleted_at IS NULL RETURNING likes_count
              """
            : """
              WITH changed AS (DELETE FROM checkin_likes WHERE checkin_id = @id AND username = @user RETURNING 1)
              UPDATE checkins SET likes_count = likes_count - (SELECT count(*) FROM changed)
              WHERE author = @author AND id = @id AND deleted_at IS NULL RETURNING likes_count
              """);
        command.Parameters.AddWithValue("author", author);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("user", username);
        return await command.ExecuteScalarAsync() is int count ? count : null;
    }

    /// <summary>
    /// Clears delivered events from the outbox, any number of authors in one statement (<see cref="OutboxClearer"/>):
    /// a create only while the row is not deleted (its delete, made since, must still go out), a delete always.
    /// </summary>
    public async Task ClearOutboxAsync(IReadOnlyCollection<OutboxClearer.SettledEvent> settled)
    {
        await using var command = database.CreateCommand("""
            UPDATE checkins c SET outbox_due = NULL
            FROM unnest(@authors, @ids, @deleted) AS s(author, id, deleted)
            WHERE c.author = s.author AND c.id = s.id AND c.outbox_due IS NOT NULL
              AND (c.deleted_at IS NOT NULL) = s.deleted
            """);
        command.Parameters.AddWithValue("authors", settled.Select(e => e.Author).ToArray());
        command.Parameters.AddWithValue("ids", settled.Select(e => e.CheckinId).ToArray());
        command.Parameters.AddWithValue("deleted", settled.Select(e => e.Deleted).ToArray());
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The author's rows with an event waiting in the outbox.</summary>
    public async Task<List<StoredCheckin>> OutboxAsync(string author)
    {
        await using var command = database.CreateCommand($"SELECT {Columns} FROM checkins WHERE author = @author AND outbox_due IS NOT NULL");
        command.Parameters.AddWithValue("author", author);
        return await ReadAllAsync(command);
    }

    /// <summary>Whether any event of the author still waits in the outbox.</summary>
    public async Task<bool> HasOutboxAsync(string author)
    {
        await using var command = database.CreateCommand(
            "SELECT EXISTS (SELECT 1 FROM checkins WHERE author = @author AND outbox_due IS NOT NULL)");
        command.Parameters.AddWithValue("author", author);
        return await command.ExecuteScalarAsync() is true;
    }

    /// <summary>
    /// The sweeper's claim: authors with outbox events past their lease (their grain died, or never came back),
    /// with the lease of those rows renewed so that another silo's sweeper does not take them too. With
    /// <paramref name="all"/>, every author with a waiting event (after a silo death).
    /// </summary>
    public async Task<List<string>> ClaimOverdueAsync(DateTimeOffset now, DateTimeOffset renewTo, int limit, bool all)
    {
        await using var command = database.CreateCommand("""
            WITH overdue AS (
                SELECT author, id FROM checkins
                WHERE outbox_due IS NOT NULL AND (@all OR outbox_due < @now)
                ORDER BY outbox_due LIMIT @limit FOR UPDATE SKIP LOCKED)
            UPDATE checkins c SET outbox_due = @renew FROM overdue o
            WHERE c.author = o.author AND c.id = o.id
            RETURNING c.author
            """);
        command.Parameters.AddWithValue("all", all);
        command.Parameters.AddWithValue("now", now);
        command.Parameters.AddWithValue("renew", renewTo);
        command.Parameters.AddWithValue("limit", limit);
        var authors = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            authors.Add(reader.GetString(0));
        }
        return [.. authors];
    }

    private static NpgsqlParameter<T[]> Array<T>(string name, NpgsqlDbType type, IEnumerable<T> values) =>
        new NpgsqlParameter<T[]>(name, NpgsqlDbType.Array | type) { TypedValue = values.ToArray() };

    private static NpgsqlParameter Nullable(string name, NpgsqlDbType type, object? value) =>
        new(name, type) { Value = value ?? DBNull.Value };

    private static NpgsqlBatchCommand Command(string sql, params (string Name, object Value)[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        return command;
    }

    private static async Task<List<StoredCheckin>> ReadAllAsync(NpgsqlCommand command)
    {
        var rows = new List<StoredCheckin>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(Read(reader));
        }
        return rows;
    }

    /// <summary>Maps one row in <see cref="Columns"/> order.</summary>
    private static StoredCheckin Read(NpgsqlDataReader r)
    {
        var media = JsonSerializer.Deserialize<List<MediaAttachment>>(r.GetString(12), Json) ?? [];
        var record = new CheckinRecord(
            Id: r.GetString(1),
            Author: r.GetString(0),
            Place: new PlaceSnapshot(r.GetString(2), r.GetString(3), r.GetDouble(4), r.GetDouble(5), r.IsDBNull(6) ? null : r.GetString(6)),
            Latitude: r.GetDouble(7),
            Longitude: r.GetDouble(8),
            AccuracyM: r.IsDBNull(9) ? null : r.GetDouble(9),
            Shout: r.IsDBNull(10) ? null : r.GetString(10),
            Visibility: (Visibility)r.GetInt16(11),
            MediaIds: media.Select(m => m.Id).ToList(),
            CreatedAt: r.GetFieldValue<DateTimeOffset>(13),
            LikesCount: r.GetInt32(17),
            Media: media,
            InPrivacyZone: r.GetBoolean(16),
            PublishAt: r.IsDBNull(14) ? null : r.GetFieldValue<DateTimeOffset>(14),
            HeldUntilNext: r.GetBoolean(15));
        return new StoredCheckin(record, r.IsDBNull(18) ? null : r.GetFieldValue<DateTimeOffset>(18));
    }
}

/// <summary>One row to insert: the record, the Idempotency-Key it was posted with, and its outbox lease (null: held).</summary>
public sealed record CheckinInsert(CheckinRecord Record, string? IdempotencyKey, DateTimeOffset? OutboxDue);

/// <summary>A row as stored: the record, and when it was deleted (null: live).</summary>
public sealed record StoredCheckin(CheckinRecord Record, DateTimeOffset? DeletedAt)
{
    /// <summary>The event the outbox delivers for this row now: its delete, or its (published) create.</summary>
    public CheckinEvent ToEvent() => Record.ToEvent(deleted: DeletedAt is not null);
}

/// <summary>An author's check-ins as the grain keeps them in memory (see <see cref="CheckinStore.LoadAuthorAsync"/>).</summary>
public sealed record AuthorCheckins(
    string? NewestId,
    Dictionary<Visibility, int> Counts,
    List<(string Id, DateTimeOffset? PublishAt)> Held,
    List<StoredCheckin> Outbox);
