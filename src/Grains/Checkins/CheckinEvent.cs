namespace Herenow.Grains.Checkins;

/// <summary>Who may see a check-in. Enforced on every read path.</summary>
public enum Visibility
{
    Public = 0,
    Followers = 1,
    Private = 2,
}

/// <summary>
/// What feeds and places learn about a check-in. Delivered at least once (streams and the durable pending
/// fan-out may repeat it), so every consumer dedupes by <see cref="CheckinId"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("herenow.checkin-event")]
public sealed record CheckinEvent(
    [property: Id(0)] string CheckinId,
    [property: Id(1)] string Author,
    [property: Id(2)] string PlaceId,
    [property: Id(3)] Visibility Visibility,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] bool Deleted,
    // In a privacy zone: the place learns nothing of it (no public stats, here-now or mayor days).
    [property: Id(6)] bool InPrivacyZone = false,
    // Hybrid fan-out: an author with very many followers is not pushed into their feeds; they merge it at read time.
    [property: Id(7)] bool MergeAtRead = false,
    // Where the author's settings relay it, as its grain knew when it dispatched; null: the relay looks it up.
    [property: Id(8)] RelayTargets? Relay = null);

/// <summary>Whether the author relays to ActivityPub (a setting) and has a linked AT Protocol account.</summary>
[GenerateSerializer, Immutable, Alias("herenow.relay-targets")]
public sealed record RelayTargets([property: Id(0)] bool ActivityPub, [property: Id(1)] bool Atproto);
