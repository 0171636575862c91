using Npgsql;

namespace Herenow.Grains.Federation.Atproto;

/// <summary>Reads stored image bytes (the API's <c>media_blobs</c>, migration 0014) for upload to a PDS.</summary>
public sealed class MediaBlobs(NpgsqlDataSource database)
{
    public async Task<(byte[] Content, string ContentType)?> ReadAsync(string key)
    {
        await using var command = database.CreateCommand("SELECT content, content_type FROM media_blobs WHERE key = @key");
        command.Parameters.AddWithValue("key", key);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? ((byte[])reader[0], reader.GetString(1)) : null;
    }
}
