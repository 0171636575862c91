namespace Herenow.Grains.Streams;

public static class StreamNames
{
    /// <summary>The stream provider carrying check-in events to feeds and places.</summary>
    public const string Provider = "checkins";
}
