using Npgsql;

namespace Herenow.Api.Media;

/// <summary>Blobs as rows of <c>media_blobs</c> (migration 0014), in the application's own database.</summary>
public sealed class PostgresBlobStore(NpgsqlDataSource database) : IBlobStore
{
    public async Task PutAsync(string key, byte[] content, string contentType, CancellationToken cancellationToken = default)
    {
        // Content-addressed: an existing row already holds exactly these bytes.
        await using var command = database.CreateCommand("""
            INSERT INTO media_blobs (key, content_type, content) VALUES (@key, @type, @content)
            ON CONFLICT (key) DO NOTHING
            """);
        command.Parameters.AddWithValue("key", key);
        command.Parameters.AddWithValue("type", contentType);
        command.Parameters.AddWithValue("content", content);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<StoredBlob?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand("SELECT content_type, content FROM media_blobs WHERE key = @key");
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new StoredBlob(reader.GetString(0), reader.GetFieldValue<byte[]>(1))
            : null;
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand("SELECT EXISTS (SELECT 1 FROM media_blobs WHERE key = @key)");
        command.Parameters.AddWithValue("key", key);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand("DELETE FROM media_blobs WHERE key = @key");
        command.Parameters.AddWithValue("key", key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
