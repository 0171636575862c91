using Npgsql;
using NpgsqlTypes;

namespace Herenow.Grains.Checkins;

/// <summary>The reads that rebuild feeds and fill the silos' page caches (feeds are caches: docs/adr/0027-feeds-as-caches.md).</summary>
public sealed partial class CheckinStore
{
    /// <summary>Shown to others: live, published, and not private. Remote posts carry their author's handle (user@domain).</summary>
    private const string Shown = "deleted_at IS NULL AND NOT held_until_next AND (publish_at IS NULL OR publish_at <= now())";

    /// <summary>
    /// A home feed's entries older than <paramref name="maxId"/> (null: the newest): the check-ins of
    /// <paramref name="authors"/> that <paramref name="owner"/> may see, newest first. One statement: for each author its
    /// newest rows by primary key (author, id), merged.
    /// </summary>
    public async Task<List<CheckinEntry>> HomeEntriesAsync(string owner, IReadOnlyCollection<string> authors, string? maxId, int limit)
    {
        await using var command = database.CreateCommand($"""
            SELECT c.id, c.author, c.visibility FROM unnest(@authors) AS a(author)
            CROSS JOIN LATERAL (
                SELECT id, author, visibility FROM checkins
                WHERE author = a.author AND {Shown} AND (visibility <> 2 OR author = @owner)
                  AND (@max::text IS NULL OR id < @max)
                ORDER BY id DESC LIMIT @limit) c
            ORDER BY c.id DESC LIMIT @limit
            """);
        command.Parameters.Add(Array("authors", NpgsqlDbType.Text, authors));
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.Add(Nullable("max", NpgsqlDbType.Text, maxId));
        command.Parameters.AddWithValue("limit", Math.Max(0, limit));
        return await ReadEntriesAsync(command);
    }

    /// <summary>The newest public check-ins made here (the global feed's rebuild).</summary>
    public async Task<List<CheckinEntry>> PublicEntriesAsync(int limit)
    {
        await using var command = database.CreateCommand($"""
            SELECT id, author, visibility FROM checkins
            WHERE {Shown} AND visibility = 0 AND position('@' in author) = 0
            ORDER BY id DESC LIMIT @limit
            """);
        command.Parameters.AddWithValue("limit", limit);
        return await ReadEntriesAsync(command);
    }

    /// <summary>The live check-ins among <paramref name="ids"/> (deleted and unknown ones are absent), in one statement.</summary>
    public async Task<List<CheckinRecord>> GetManyAsync(IReadOnlyCollection<string> ids)
    {
        await using var command = database.CreateCommand($"SELECT {Columns} FROM checkins WHERE id = ANY(@ids) AND deleted_at IS NULL");
        command.Parameters.Add(Array("ids", NpgsqlDbType.Text, ids));
        return (await ReadAllAsync(command)).Select(r => r.Record).ToList();
    }

    private static async Task<List<CheckinEntry>> ReadEntriesAsync(NpgsqlCommand command)
    {
        var entries = new List<CheckinEntry>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            entries.Add(new CheckinEntry(reader.GetString(0), reader.GetString(1), (Visibility)reader.GetInt16(2)));
        }
        return entries;
    }
}
