using System.Collections.Concurrent;
using Herenow.Grains.Checkins;

namespace Herenow.Grains.Feeds;

/// <summary>
/// This silo's active home feeds, indexed by the accounts they follow. A committed check-in reaches every silo once, in
/// a batch (<see cref="SiloFeedsGrain"/>); here it is appended in memory to the active feeds that follow its author —
/// no grain call, no activation and no write per follower, and an inactive follower costs nothing: its feed is rebuilt
/// from the table when next read (<see cref="FeedGrain"/>). Also holds the silo's copy of the global feed.
/// See docs/adr/0027-feeds-as-caches.md.
/// </summary>
public sealed class LocalFeeds(GlobalTimeline global)
{
    /// <summary>One active home feed: its owner, its entries, and whether live viewers watch it.</summary>
    public sealed class Home(string owner, int capacity)
    {
        public string Owner { get; } = owner;
        public FeedTimeline Timeline { get; } = new(capacity);

        /// <summary>Set by the feed grain while SSE viewers watch: deliveries then also go through the grain to notify them.</summary>
        public bool Watched
        {
            get => Volatile.Read(ref watched);
            set => Volatile.Write(ref watched, value);
        }

        private bool watched;
    }

    private readonly ConcurrentDictionary<string, ConcurrentDictionary<Home, byte>> byAuthor = new(StringComparer.Ordinal);

    /// <summary>Newest check-ins of authors whose events are merged at read time (hybrid fan-out), by author.</summary>
    private readonly ConcurrentDictionary<string, FeedTimeline> mergedAtRead = new(StringComparer.Ordinal);

    /// <summary>How many of a merged-at-read author's newest check-ins each silo keeps for their followers' pages.</summary>
    public const int MergedAtReadKept = 200;

    /// <summary>The merged-at-read authors this silo has seen post, and their newest entries.</summary>
    public IReadOnlyDictionary<string, FeedTimeline> MergedAtRead => mergedAtRead;

    public GlobalTimeline Global => global;

    /// <summary>Active feeds on this silo, for operators and tests.</summary>
    public int ActiveFeeds => byOwner.Count;

    private readonly ConcurrentDictionary<string, Home> byOwner = new(StringComparer.Ordinal);

    /// <summary>Starts delivering <paramref name="authors"/>' check-ins (and the owner's own) to <paramref name="home"/>.</summary>
    public void Register(Home home, IEnumerable<string> authors)
    {
        byOwner[home.Owner] = home;
        Follow(home, home.Owner);
        foreach (var author in authors)
        {
            Follow(home, author);
        }
    }

    public void Follow(Home home, string author) =>
        byAuthor.GetOrAdd(author, _ => new ConcurrentDictionary<Home, byte>())[home] = 0;

    public void Unfollow(Home home, string author)
    {
        if (byAuthor.TryGetValue(author, out var followers))
        {
            followers.TryRemove(home, out _);
        }
    }

    public void Unregister(Home home, IEnumerable<string> authors)
    {
        byOwner.TryRemove(new KeyValuePair<string, Home>(home.Owner, home));
        Unfollow(home, home.Owner);
        foreach (var author in authors)
        {
            Unfollow(home, author);
        }
    }

    /// <summary>
    /// Applies a batch to the feeds here. Private check-ins reach only their author's own feed; followers-only ones
    /// reach followers (the index holds only followers). Returns the watched feeds that changed, to be notified.
    /// </summary>
    public List<(string Owner, CheckinEvent Checkin)> Deliver(IReadOnlyList<CheckinEvent> batch)
    {
        List<(string, CheckinEvent)> watched = [];
        foreach (var checkin in batch)
        {
            if (checkin.Visibility == Visibility.Public)
            {
                global.Apply(checkin);
            }
            if (checkin.MergeAtRead && !checkin.Deleted)
            {
                // Hybrid fan-out: kept once per silo; followers' pages merge it (FeedGrain), only live viewers are told.
                mergedAtRead.GetOrAdd(checkin.Author, _ => new FeedTimeline(MergedAtReadKept)).Apply(checkin);
            }
            else if (checkin.Deleted)
            {
                mergedAtRead.GetValueOrDefault(checkin.Author)?.Apply(checkin);
            }
            if (!byAuthor.TryGetValue(checkin.Author, out var followers))
            {
                continue;
            }
            var entry = new CheckinEntry(checkin.CheckinId, checkin.Author, checkin.Visibility); // one instance for every feed
            foreach (var home in followers.Keys)
            {
                if (checkin.Visibility == Visibility.Private && home.Owner != checkin.Author)
                {
                    continue;
                }
                if (checkin.MergeAtRead && !checkin.Deleted && home.Owner != checkin.Author)
                {
                    if (home.Watched) watched.Add((home.Owner, checkin));
                    continue;
                }
                var changed = checkin.Deleted ? home.Timeline.Apply(checkin) : home.Timeline.Apply(entry);
                if (changed && home.Watched)
                {
                    watched.Add((home.Owner, checkin));
                }
            }
        }
        return watched;
    }

    /// <summary>Applies events addressed to named homes (fediverse posts, whose local followers the inbox looked up).</summary>
    public List<(string Owner, CheckinEvent Checkin)> DeliverTo(CheckinEvent checkin, IReadOnlyCollection<string> homes)
    {
        List<(string, CheckinEvent)> watched = [];
        foreach (var owner in homes)
        {
            if (byOwner.TryGetValue(owner, out var home) && home.Timeline.Apply(checkin) && home.Watched)
            {
                watched.Add((home.Owner, checkin));
            }
        }
        return watched;
    }
}
