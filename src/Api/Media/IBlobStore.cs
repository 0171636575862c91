namespace Herenow.Api.Media;

/// <summary>
/// Where the image bytes live, by key. Keys are content addresses (<see cref="BlobKeys"/>): a key's content never
/// changes, so a put of an existing key is a no-op and anything keyed can be cached forever. Implemented on PostgreSQL
/// (<see cref="PostgresBlobStore"/>); an S3-compatible bucket fits the same four calls (docs/adr/0017-media-pipeline.md).
/// </summary>
public interface IBlobStore
{
    Task PutAsync(string key, byte[] content, string contentType, CancellationToken cancellationToken = default);

    /// <summary>The content and its type; null when there is no such blob.</summary>
    Task<StoredBlob?> GetAsync(string key, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Removes the blob; deleting a missing key is not an error.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken = default);
}

public sealed record StoredBlob(string ContentType, byte[] Content);
