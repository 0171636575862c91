using Herenow.Grains.Media;

namespace Herenow.Grains.Checkins;

/// <summary>The place as it was when the check-in was made (names change; the check-in keeps what was shown).</summary>
[GenerateSerializer, Immutable, Alias("herenow.place-snapshot")]
public sealed record PlaceSnapshot(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] double Latitude,
    [property: Id(3)] double Longitude,
    [property: Id(4)] string? Category);

[GenerateSerializer, Alias("herenow.new-checkin")]
public sealed record NewCheckin(
    [property: Id(0)] PlaceSnapshot Place,
    [property: Id(1)] double Latitude,
    [property: Id(2)] double Longitude,
    [property: Id(3)] double? AccuracyM,
    [property: Id(4)] string? Shout,
    // Null: the author's default visibility (read by the author's grain, not by the caller first).
    [property: Id(5)] Visibility? Visibility,
    [property: Id(6)] IReadOnlyList<string> MediaIds,
    // The caller's Idempotency-Key, if any: a second post with it returns the first check-in (UserGrain.PostCheckin).
    [property: Id(7)] string? IdempotencyKey = null,
    // Post later: shown to others (feeds, place, federation) only after this delay, or only once the author checks in again.
    [property: Id(8)] TimeSpan? PublishDelay = null,
    [property: Id(9)] bool UntilNextCheckin = false);

[GenerateSerializer, Immutable, Alias("herenow.checkin")]
public sealed record CheckinRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] string Author,
    [property: Id(2)] PlaceSnapshot Place,
    [property: Id(3)] double Latitude,
    [property: Id(4)] double Longitude,
    [property: Id(5)] double? AccuracyM,
    [property: Id(6)] string? Shout,
    [property: Id(7)] Visibility Visibility,
    [property: Id(8)] IReadOnlyList<string> MediaIds,
    [property: Id(9)] DateTimeOffset CreatedAt,
    [property: Id(10)] int LikesCount,
    // The attached photos as they were when attached, in MediaIds order; null in records stored before media existed.
    [property: Id(11)] IReadOnlyList<MediaAttachment>? Media = null,
    // Made inside one of the author's privacy zones: shown to others and federated without place and coordinates.
    [property: Id(12)] bool InPrivacyZone = false,
    // Post later: when it became (or becomes) visible to others; null: at once. Held: until the author's next check-in.
    [property: Id(13)] DateTimeOffset? PublishAt = null,
    [property: Id(14)] bool HeldUntilNext = false)
{
    /// <summary>Whether anyone but the author may see it yet ("post later", the check-out idea).</summary>
    public bool IsPublished(DateTimeOffset now) => !HeldUntilNext && (PublishAt is null || PublishAt <= now);

    public CheckinEvent ToEvent(bool deleted = false) => new(Id, Author, Place.Id, Visibility, CreatedAt, deleted, InPrivacyZone);
}

/// <summary>A check-in's id, author and visibility: what lists (history, feeds) keep and filter on.</summary>
[GenerateSerializer, Immutable, Alias("herenow.checkin-entry")]
public sealed record CheckinEntry(
    [property: Id(0)] string Id,
    [property: Id(1)] string Author,
    [property: Id(2)] Visibility Visibility);
