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
    // Only for deletes that overtake their create, a transient race: a few suffice, and every feed pays for them.
    private const int TombstoneCapacity = 64;

    private readonly Lock gate = new();
    // Newest first, no side index: membership is a binary search, so a feed costs its list of shared entries and little else.
    private readonly List<CheckinEntry> entries = [];
    private HashSet<string>? tombstones;
    private Queue<string>? tombstoneOrder;

    public int Capacity => capacity;

    /// <summary>True once an entry fell off the end (or arrived too old to keep): older ones live only in histories.</summary>
    public bool Truncated { get; private set; }

    public int Count
    {
        get { lock (gate) return entries.Count; }
    }

    /// <summary>Applies one event; true when the timeline changed.</summary>
    public bool Apply(CheckinEvent checkin) =>
        checkin.Deleted ? Remove(checkin.CheckinId) : Apply(new CheckinEntry(checkin.CheckinId, checkin.Author, checkin.Visibility));

    /// <summary>Adds an entry (one instance shared by every feed it is delivered to); true when the timeline changed.</summary>
    public bool Apply(CheckinEntry entry)
    {
        lock (gate)
        {
            return Add(entry);
        }
    }

    private bool Remove(string id)
    {
        lock (gate)
        {
            tombstones ??= new HashSet<string>(StringComparer.Ordinal);
            tombstoneOrder ??= new Queue<string>();
            if (tombstones.Add(id))
            {
                tombstoneOrder.Enqueue(id);
                if (tombstoneOrder.Count > TombstoneCapacity)
                {
                    tombstones.Remove(tombstoneOrder.Dequeue());
                }
            }
            var index = IndexOf(id);
            if (index < entries.Count && entries[index].Id == id)
            {
                entries.RemoveAt(index);
                return true;
            }
            return false;
        }
    }

    /// <summary>Where <paramref name="id"/> is or would go: the first entry not newer than it.</summary>
    private int IndexOf(string id)
    {
        int lo = 0, hi = entries.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) / 2;
            if (string.CompareOrdinal(entries[mid].Id, id) > 0) lo = mid + 1; else hi = mid;
        }
        return lo;
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
            entries.RemoveAll(e => e.Author == author);
        }
    }

    public List<CheckinEntry> Page(PageQuery query) => Page(query, null);

    /// <summary>A page of the entries that pass <paramref name="filter"/> (null: all).</summary>
    public List<CheckinEntry> Page(PageQuery query, Func<CheckinEntry, bool>? filter)
    {
        lock (gate)
        {
            // Newest first; a binary search for max_id skips what is newer than the page.
            var start = query.MaxId is { } maxId ? IndexOf(maxId) : 0;
            var candidates = entries.Skip(start);
            return query.Apply(filter is null ? candidates : candidates.Where(filter), e => e.Id);
        }
    }

    private bool Add(CheckinEntry entry)
    {
        if (tombstones?.Contains(entry.Id) == true)
        {
            return false;
        }
        var index = IndexOf(entry.Id);
        if (index < entries.Count && entries[index].Id == entry.Id)
        {
            return false;
        }
        if (index >= capacity)
        {
            Truncated = true;
            return false; // older than everything kept: it belongs to history, not the feed
        }
        entries.Insert(index, entry);
        if (entries.Count > capacity)
        {
            entries.RemoveAt(entries.Count - 1);
            Truncated = true;
        }
        return true;
    }
}
