namespace Herenow.Grains.Feeds;

/// <summary>Feed sizes. Bound from the "Herenow:Feeds" section.</summary>
public sealed class FeedOptions
{
    public const string Section = "Herenow:Feeds";

    /// <summary>
    /// Entries a home feed keeps (newest first). Reading a page is one grain call while it is within these; paging
    /// further back reads the followed accounts' histories instead.
    /// </summary>
    public int HomeCapacity { get; set; } = Timeline.Capacity;
}
