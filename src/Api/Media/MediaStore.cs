using Herenow.Grains.Common;
using Herenow.Grains.Media;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Herenow.Api.Media;

/// <summary>
/// The API's side of the <c>media</c> table (migration 0014) and of the blobs it references. Check-ins attach media
/// through the author's grain (<see cref="MediaAttachments"/>); this creates, reads and cleans up.
/// </summary>
/// <remarks>
/// Blobs are shared by content, so a blob may be deleted only when no media row references it, and an upload must not
/// reference a blob the clean-up is deleting. Both sides take the blob key's advisory lock: an upload shared, from
/// before its puts until its row is committed; the clean-up exclusive, around "no row references it, delete". So
/// either the upload's row is visible to the check, or the upload puts the blob back after the delete.
/// </remarks>
public sealed class MediaStore(NpgsqlDataSource database, IBlobStore blobs, IOptions<MediaOptions> options, ILogger<MediaStore> logger)
{
    public async Task<MediaAttachment> CreateAsync(string owner, string? description, ProcessedImage image, CancellationToken ct)
    {
        var displayKey = BlobKeys.For(image.Display, image.Format);
        var previewKey = BlobKeys.For(image.Preview, image.Format);
        var media = new MediaAttachment(TimeOrderedId.New(), description, image.Blurhash, image.Width, image.Height, displayKey, previewKey);

        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockKeys = new NpgsqlCommand(
            "SELECT pg_advisory_xact_lock_shared(@class, @display), pg_advisory_xact_lock_shared(@class, @preview)", connection, transaction))
        {
            lockKeys.Parameters.AddWithValue("class", BlobKeys.LockClass);
            lockKeys.Parameters.AddWithValue("display", BlobKeys.LockId(displayKey));
            lockKeys.Parameters.AddWithValue("preview", BlobKeys.LockId(previewKey));
            await lockKeys.ExecuteNonQueryAsync(ct);
        }
        await blobs.PutAsync(displayKey, image.Display, image.Format.ContentType, ct);
        if (previewKey != displayKey)
        {
            await blobs.PutAsync(previewKey, image.Preview, image.Format.ContentType, ct);
        }
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO media (id, owner, description, blurhash, width, height, display_key, preview_key)
            VALUES (@id, @owner, @description, @blurhash, @width, @height, @display, @preview)
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("id", media.Id);
            insert.Parameters.AddWithValue("owner", owner);
            insert.Parameters.AddWithValue("description", (object?)description ?? DBNull.Value);
            insert.Parameters.AddWithValue("blurhash", media.Blurhash);
            insert.Parameters.AddWithValue("width", media.Width);
            insert.Parameters.AddWithValue("height", media.Height);
            insert.Parameters.AddWithValue("display", displayKey);
            insert.Parameters.AddWithValue("preview", previewKey);
            await insert.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return media;
    }

    /// <summary>The media with this id if <paramref name="owner"/> uploaded it; null otherwise.</summary>
    public async Task<MediaAttachment?> GetAsync(string id, string owner, CancellationToken ct)
    {
        await using var command = database.CreateCommand("""
            SELECT id, description, blurhash, width, height, display_key, preview_key FROM media WHERE id = @id AND owner = @owner
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("owner", owner);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new MediaAttachment(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2),
                reader.GetInt32(3), reader.GetInt32(4), reader.GetString(5), reader.GetString(6))
            : null;
    }

    /// <summary>
    /// Removes media unattached for longer than <see cref="MediaOptions.UnattachedLifetime"/> (from their upload, by the
    /// database's clock) and then each of their blobs no other media row references. Returns the media rows removed.
    /// </summary>
    /// <remarks>
    /// Rows go first, blobs after: a crash in between leaves unreferenced blobs (garbage, never served), never a row
    /// whose image is gone. Rows being attached right now are locked by the attaching transaction and skipped.
    /// </remarks>
    public async Task<int> RemoveUnattachedAsync(CancellationToken ct)
    {
        var removed = 0;
        while (true)
        {
            var keys = new HashSet<string>(StringComparer.Ordinal);
            var batch = 0;
            await using (var delete = database.CreateCommand("""
                DELETE FROM media WHERE id IN (
                    SELECT id FROM media WHERE checkin_id IS NULL AND created_at < now() - @lifetime
                    ORDER BY created_at LIMIT 500 FOR UPDATE SKIP LOCKED)
                RETURNING display_key, preview_key
                """))
            {
                delete.Parameters.AddWithValue("lifetime", options.Value.UnattachedLifetime);
                await using var reader = await delete.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    batch++;
                    keys.Add(reader.GetString(0));
                    keys.Add(reader.GetString(1));
                }
            }
            foreach (var key in keys)
            {
                await DeleteBlobIfUnreferencedAsync(key, ct);
            }
            removed += batch;
            if (batch < 500)
            {
                return removed;
            }
        }
    }

    private async Task DeleteBlobIfUnreferencedAsync(string key, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockKey = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@class, @id)", connection, transaction))
        {
            lockKey.Parameters.AddWithValue("class", BlobKeys.LockClass);
            lockKey.Parameters.AddWithValue("id", BlobKeys.LockId(key));
            await lockKey.ExecuteNonQueryAsync(ct);
        }
        // A statement of its own, so its snapshot is taken after the lock: it sees every upload that held the key.
        await using var check = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM media WHERE display_key = @key OR preview_key = @key)", connection, transaction);
        check.Parameters.AddWithValue("key", key);
        var referenced = (bool)(await check.ExecuteScalarAsync(ct))!;
        if (!referenced)
        {
            await blobs.DeleteAsync(key, ct);
            logger.LogDebug("Deleted blob {Key}", key);
        }
        await transaction.CommitAsync(ct);
    }
}
