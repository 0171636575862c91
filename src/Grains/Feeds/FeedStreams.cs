using Herenow.Grains.Checkins;
using Herenow.Grains.Common;

namespace Herenow.Grains.Feeds;

public static class FeedStreams
{
    /// <summary>Stream namespace of home feeds; the stream key is the feed owner's username.</summary>
    public const string Home = "home";

    /// <summary>Stream namespace of global-feed shards; the stream key is the shard number.</summary>
    public const string Global = "global";
}

/// <summary>
/// The global feed is split into shards so that no single grain takes every public check-in; a read merges them.
/// A check-in goes to the shard picked by its id's random tail, so shards fill evenly.
/// </summary>
public static class GlobalFeed
{
    public const int Shards = 8;

    public static string ShardOf(string checkinId)
    {
        var hash = 2166136261u; // FNV-1a: stable across processes, unlike string.GetHashCode
        foreach (var c in checkinId)
        {
            hash = (hash ^ c) * 16777619u;
        }
        return (hash % Shards).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static IEnumerable<string> AllShards() =>
        Enumerable.Range(0, Shards).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A page of the global feed: every shard's page in parallel, merged newest first.</summary>
    public static async Task<List<CheckinEntry>> ReadPageAsync(IGrainFactory grains, PageQuery page)
    {
        var shards = await Task.WhenAll(AllShards().Select(s => grains.GetGrain<IGlobalFeedShardGrain>(s).GetPage(page)));
        return page.Apply(shards.SelectMany(s => s).OrderByDescending(e => e.Id, StringComparer.Ordinal), e => e.Id);
    }
}
