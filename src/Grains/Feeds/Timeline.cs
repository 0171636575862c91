using Herenow.Grains.Checkins;
using Herenow.Grains.Common;

namespace Herenow.Grains.Feeds;

/// <summary>
/// A bounded, newest-first list of check-in entries that applies events idempotently: adding an id it already
/// holds, or one it has seen deleted, changes nothing (deliveries repeat; deletes may overtake creates).
/// </summary>
[GenerateSerializer, Alias("herenow.timeline")]
public sealed class Timeline
{
    public const int Capacity = 800;
    private const int TombstoneCapacity = 1000;

    [Id(0)] public List<CheckinEntry> Entries { get; set; } = [];
    [Id(1)] public List<string> Tombstones { get; set; } = [];

    /// <summary>True once an entry fell off the end (or arrived too old to keep): older ones live only in histories.</summary>
    [Id(2)] public bool Truncated { get; set; }

    /// <summary>Applies one event, keeping at most <paramref name="capacity"/> entries; true when the timeline changed.</summary>
    public bool Apply(CheckinEvent checkin, int capacity = Capacity)
    {
        if (checkin.Deleted)
        {
            if (!Tombstones.Contains(checkin.CheckinId))
            {
                Tombstones.Add(checkin.CheckinId);
                if (Tombstones.Count > TombstoneCapacity)
                {
                    Tombstones.RemoveAt(0);
                }
            }
            return Entries.RemoveAll(e => e.Id == checkin.CheckinId) > 0;
        }
        if (Tombstones.Contains(checkin.CheckinId))
        {
            return false;
        }
        // Entries are sorted newest first; find the insertion point (usually the front).
        var index = Entries.FindIndex(e => string.CompareOrdinal(e.Id, checkin.CheckinId) <= 0);
        if (index >= 0 && Entries[index].Id == checkin.CheckinId)
        {
            return false;
        }
        if (index < 0)
        {
            if (Entries.Count >= capacity)
            {
                Truncated = true;
                return false; // older than everything kept: it belongs to history, not the feed
            }
            index = Entries.Count;
        }
        Entries.Insert(index, new CheckinEntry(checkin.CheckinId, checkin.Author, checkin.Visibility));
        if (Entries.Count > capacity)
        {
            Entries.RemoveAt(Entries.Count - 1);
            Truncated = true;
        }
        return true;
    }

    /// <summary>
    /// Takes in another copy's entries and tombstones (a union: both copies hold only valid events, and applying is
    /// idempotent), for when the stored version moved underneath this one.
    /// </summary>
    public void Merge(Timeline other, int capacity = Capacity)
    {
        foreach (var tombstone in other.Tombstones)
        {
            Apply(new CheckinEvent(tombstone, "", "", Visibility.Public, default, Deleted: true), capacity);
        }
        foreach (var entry in other.Entries)
        {
            Apply(new CheckinEvent(entry.Id, entry.Author, "", entry.Visibility, default, Deleted: false), capacity);
        }
        Truncated |= other.Truncated;
    }

    public List<CheckinEntry> Page(PageQuery query) => query.Apply(Entries, e => e.Id);
}
