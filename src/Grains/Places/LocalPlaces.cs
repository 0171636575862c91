using System.Collections.Concurrent;

namespace Herenow.Grains.Places;

/// <summary>
/// The place grains active on this silo. Check-in events reach a place only while its grain is active here (through
/// the silo's batch, SiloFeedsGrain); an inactive place costs nothing at post time and reads its figures from the rows
/// when it next activates — the same trade as the feeds' (docs/adr/0027-feeds-as-caches.md). A grain registers before
/// it reads its snapshot, so a check-in committed in between is either in the snapshot or delivered (or both: events
/// are applied idempotently by id).
/// </summary>
public sealed class LocalPlaces
{
    private readonly ConcurrentDictionary<string, byte> active = new(StringComparer.Ordinal);

    public void Register(string placeId) => active[placeId] = 0;

    public void Unregister(string placeId) => active.TryRemove(placeId, out _);

    public bool IsActive(string placeId) => active.ContainsKey(placeId);

    public int Count => active.Count;
}
