namespace Herenow.Grains.Feeds;

/// <summary>Feed sizes. Bound from the "Herenow:Feeds" section.</summary>
public sealed class FeedOptions
{
    public const string Section = "Herenow:Feeds";

    /// <summary>
    /// Entries an active home feed keeps in memory (newest first; Mastodon keeps 400). Paging further back reads the
    /// check-in table instead, in one statement.
    /// </summary>
    public int HomeCapacity { get; set; } = 400;
}
