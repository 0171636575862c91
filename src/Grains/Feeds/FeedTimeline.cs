using Herenow.Grains.Checkins;
using Herenow.Grains.Common;

namespace Herenow.Grains.Feeds;

/// <summary>
/// A bounded, newest-first list of check-in entries in memory, applying events idempotently: an id it holds, or one
/// it has seen deleted, changes nothing (deliveries repeat; deletes may overtake creates). Thread-safe: the silo's
/// delivery (<see cref="LocalFeeds"/>) appends while the owning grain reads.
/// </summary>
public sealed class FeedTimeline(int capacity)
{
    private const int TombstoneCapacity = 1000;

    private readonly Lock gate = new();
    private readonly List<CheckinEntry> entries = []; // newest first
    private readonly HashSet<string> ids = new(StringComparer.Ordinal);
    private readonly HashSet<string> tombstones = new(StringComparer.Ordinal);
    private readonly Queue<string> tombstoneOrder = new();

    public int Capacity => capacity;

    /// <summary>True once an entry fell off the end (or arrived too old to keep): older ones live only in histories.</summary>
    public bool Truncated { get; private set; }

    public int Count
    {
        get { lock (gate) return entries.Count; }
    }

    /// <summary>Applies one event; true when the timeline changed.</summary>
    public bool Apply(CheckinEvent checkin)
    {
        lock (gate)
        {
            if (checkin.Deleted)
            {
                if (tombstones.Add(checkin.CheckinId))
                {
                    tombstoneOrder.Enqueue(checkin.CheckinId);
                    if (tombstoneOrder.Count > TombstoneCapacity)
                    {
                        tombstones.Remove(tombstoneOrder.Dequeue());
                    }
                }
                return ids.Remove(checkin.CheckinId) && entries.RemoveAll(e => e.Id == checkin.CheckinId) > 0;
            }
            return Add(new CheckinEntry(checkin.CheckinId, checkin.Author, checkin.Visibility));
        }
    }

    /// <summary>Adds entries loaded from the table (a rebuild or a new followee's recent check-ins).</summary>
    public void AddRange(IEnumerable<CheckinEntry> loaded)
    {
        lock (gate)
        {
            foreach (var entry in loaded)
            {
                Add(entry);
            }
        }
    }

    /// <summary>Drops every entry of <paramref name="author"/> (unfollowed, blocked).</summary>
    public void RemoveAuthor(string author)
    {
        lock (gate)
        {
            entries.RemoveAll(e =>
            {
                if (e.Author != author) return false;
                ids.Remove(e.Id);
                return true;
            });
        }
    }

    public List<CheckinEntry> Page(PageQuery query)
    {
        lock (gate)
        {
            // Newest first; a binary search for max_id skips what is newer than the page.
            var start = 0;
            if (query.MaxId is { } maxId)
            {
                int lo = 0, hi = entries.Count;
                while (lo < hi)
                {
                    var mid = (lo + hi) / 2;
                    if (string.CompareOrdinal(entries[mid].Id, maxId) >= 0) lo = mid + 1; else hi = mid;
                }
                start = lo;
            }
            return query.Apply(entries.Skip(start), e => e.Id);
        }
    }

    private bool Add(CheckinEntry entry)
    {
        if (tombstones.Contains(entry.Id) || ids.Contains(entry.Id))
        {
            return false;
        }
        // Usually the newest: the insertion point is then the front.
        var index = 0;
        while (index < entries.Count && string.CompareOrdinal(entries[index].Id, entry.Id) > 0)
        {
            index++;
        }
        if (index >= capacity)
        {
            Truncated = true;
            return false; // older than everything kept: it belongs to history, not the feed
        }
        entries.Insert(index, entry);
        ids.Add(entry.Id);
        if (entries.Count > capacity)
        {
            ids.Remove(entries[^1].Id);
            entries.RemoveAt(entries.Count - 1);
            Truncated = true;
        }
        return true;
    }
}
