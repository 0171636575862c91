using Herenow.Grains.Checkins;
using Herenow.Grains.Common;

namespace Herenow.Grains.Feeds;

public static class FeedStreams
{
    /// <summary>Stream namespace of global-feed shards; the stream key is the shard number.</summary>
    public const string Global = "global";

    /// <summary>Stream namespace of the per-silo delivery (<see cref="SiloFeedsGrain"/>); the stream key is the silo's address.</summary>
    public const string Silo = "silo-feeds";
}

/// <summary>
/// The global feed's live viewers are split over shards so that no single grain notifies every connection; a check-in
/// goes to the shard picked by its id's random tail, so shards fill evenly. Pages come from each silo's copy.
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
}
