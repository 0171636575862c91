using Npgsql;

namespace Herenow.Grains.Media;

/// <summary>
/// The check-in side of the <c>media</c> table (migration 0014): a check-in takes its media in one transaction, so two
/// check-ins racing for the same photo cannot both get it, and gives them back when it is deleted or its saga is
/// compensated. Runs in the author's User grain turn: a few rows, no image work.
/// </summary>
public sealed class MediaAttachments(NpgsqlDataSource database)
{
    /// <summary>
    /// Attaches all of <paramref name="mediaIds"/> to <paramref name="checkinId"/>, or none of them: throws
    /// <see cref="MediaNotAttachableException"/> naming each one that is missing, not <paramref name="owner"/>'s, or
    /// attached to another committed check-in. Repeating it for the same check-in succeeds (a retried saga step).
    /// </summary>
    /// <remarks>Media held by a check-in that never committed (a post that failed half-way), or by a deleted one, are
    /// taken over: only a live row of the checkins table holds its photos.</remarks>
    public async Task<IReadOnlyList<MediaAttachment>> AttachAsync(string owner, string checkinId, IReadOnlyList<string> mediaIds)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var found = new Dictionary<string, (string Owner, string? Checkin, bool Held, MediaAttachment Media)>(StringComparer.Ordinal);
        await using (var select = new NpgsqlCommand("""
            SELECT m.id, m.owner, m.checkin_id, m.description, m.blurhash, m.width, m.height, m.display_key, m.preview_key,
                EXISTS (SELECT 1 FROM checkins c WHERE c.id = m.checkin_id AND c.deleted_at IS NULL)
            FROM media m WHERE m.id = ANY(@ids) FOR UPDATE OF m
            """, connection, transaction))
        {
            select.Parameters.AddWithValue("ids", mediaIds.ToArray());
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                found[reader.GetString(0)] = (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetBoolean(9),
                    new MediaAttachment(reader.GetString(0), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetString(4),
                        reader.GetInt32(5), reader.GetInt32(6), reader.GetString(7), reader.GetString(8)));
            }
        }

        var problems = new List<string>();
        foreach (var id in mediaIds)
        {
            if (!found.TryGetValue(id, out var row) || row.Owner != owner)
            {
                // Someone else's photo is "no such media" too: its existence is not the caller's business.
                problems.Add($"{id}: no such media");
            }
            else if (row.Checkin is not null && row.Checkin != checkinId && row.Held)
            {
                problems.Add($"{id}: already attached to another check-in");
            }
        }
        if (problems.Count > 0)
        {
            await transaction.RollbackAsync();
            throw new MediaNotAttachableException(string.Join('\n', problems));
        }

        await using (var update = new NpgsqlCommand(
            "UPDATE media SET checkin_id = @checkin WHERE id = ANY(@ids)", connection, transaction))
        {
            update.Parameters.AddWithValue("checkin", checkinId);
            update.Parameters.AddWithValue("ids", mediaIds.ToArray());
            await update.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
        return mediaIds.Select(id => found[id].Media).ToList();
    }

    /// <summary>
    /// Gives a check-in's media back (deleted, or its creation compensated): they count as unattached again and the
    /// clean-up removes them once they are older than the unattached lifetime. Idempotent.
    /// </summary>
    public async Task DetachAsync(string checkinId)
    {
        await using var command = database.CreateCommand("UPDATE media SET checkin_id = NULL WHERE checkin_id = @checkin");
        command.Parameters.AddWithValue("checkin", checkinId);
        await command.ExecuteNonQueryAsync();
    }
}
