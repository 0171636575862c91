using Herenow.Grains.Common;
using Npgsql;

namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>
/// Remote notes kept for local home feeds (<c>ap_remote_notes</c>): the note's ActivityPub id against the local,
/// time-ordered id its record lives under. The object id is the key, so a Create delivered twice maps to one record.
/// </summary>
public sealed class RemoteNotes(NpgsqlDataSource database, TimeProvider clock)
{
    /// <summary>The local id for the note, minted from its publication time on first sight.</summary>
    public async Task<string> MapAsync(string objectId, string actorId, DateTimeOffset published)
    {
        var now = clock.GetUtcNow();
        // A note "published" in the future would sort above everything for as long as that lasts.
        var at = published > now ? now : published;
        await using var command = database.CreateCommand("""
            WITH ins AS (
                INSERT INTO ap_remote_notes (object_id, local_id, actor_id, created_at) VALUES (@object, @local, @actor, @now)
                ON CONFLICT (object_id) DO NOTHING RETURNING local_id)
            SELECT local_id FROM ins UNION ALL SELECT local_id FROM ap_remote_notes WHERE object_id = @object LIMIT 1
            """);
        command.Parameters.AddWithValue("object", objectId);
        command.Parameters.AddWithValue("local", TimeOrderedId.New(at));
        command.Parameters.AddWithValue("actor", actorId);
        command.Parameters.AddWithValue("now", now);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The local id of a note by this actor; null when unknown or by someone else.</summary>
    public async Task<string?> LocalIdAsync(string objectId, string actorId)
    {
        await using var command = database.CreateCommand("SELECT local_id FROM ap_remote_notes WHERE object_id = @object AND actor_id = @actor");
        command.Parameters.AddWithValue("object", objectId);
        command.Parameters.AddWithValue("actor", actorId);
        return await command.ExecuteScalarAsync() as string;
    }

    public async Task<List<string>> ByActorAsync(string actorId)
    {
        await using var command = database.CreateCommand("SELECT local_id FROM ap_remote_notes WHERE actor_id = @actor");
        command.Parameters.AddWithValue("actor", actorId);
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }
        return ids;
    }
}
