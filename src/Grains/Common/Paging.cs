namespace Herenow.Grains.Common;

/// <summary>
/// Mastodon-style paging over items with time-ordered ids: <c>max_id</c> (older than), <c>since_id</c> (newer than,
/// newest first) and <c>min_id</c> (immediately newer than, for paging forward). Results are newest first.
/// </summary>
[GenerateSerializer, Alias("herenow.page-query")]
public sealed record PageQuery(
    [property: Id(0)] string? MaxId,
    [property: Id(1)] string? SinceId,
    [property: Id(2)] string? MinId,
    [property: Id(3)] int Limit)
{
    public static PageQuery First(int limit) => new(null, null, null, limit);

    /// <summary>Applies the query to items already sorted newest first.</summary>
    public List<T> Apply<T>(IEnumerable<T> newestFirst, Func<T, string> id)
    {
        var filtered = newestFirst.Where(item =>
            (MaxId is null || string.CompareOrdinal(id(item), MaxId) < 0) &&
            (SinceId is null || string.CompareOrdinal(id(item), SinceId) > 0) &&
            (MinId is null || string.CompareOrdinal(id(item), MinId) > 0));
        if (MinId is not null)
        {
            // The items just above min_id: the oldest `Limit` of the newer ones, returned newest first.
            var oldest = filtered.Reverse().Take(Limit).ToList();
            oldest.Reverse();
            return oldest;
        }
        return filtered.Take(Limit).ToList();
    }
}
