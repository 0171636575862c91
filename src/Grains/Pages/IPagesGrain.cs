using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Orleans.Concurrency;

namespace Herenow.Grains.Pages;

/// <summary>
/// Finished pages that belong to no single grain, answered from the silo the call lands on (a stateless worker runs
/// where it is called: for the API, its gateway silo), in one hop.
/// </summary>
public interface IPagesGrain : IGrainWithIntegerKey
{
    /// <summary>A page of the global feed as <paramref name="viewer"/> (null: anonymous) may see it.</summary>
    Task<ViewPage> GetGlobalView(PageQuery query, string? viewer);

    /// <summary>Entries of the global feed, unfiltered (the SSE catch-up filters them itself).</summary>
    Task<List<CheckinEntry>> GetGlobalEntries(PageQuery query);
}

[StatelessWorker]
public sealed class PagesGrain(Feeds.LocalFeeds feeds, PageBuilder pages, GlobalFirstPage firstPage) : Grain, IPagesGrain
{
    public async Task<ViewPage> GetGlobalView(PageQuery query, string? viewer)
    {
        // The anonymous first page is the hottest read there is: built at most once per GlobalFirstPage.MaxAge.
        if (viewer is null && query == PageQuery.First(query.Limit) && firstPage.TryGet(query.Limit, out var cached))
        {
            return cached;
        }
        var entries = await feeds.Global.PageAsync(query);
        var page = ViewPage.Of(await pages.BuildAsync(entries.Where(e => e.Visibility == Visibility.Public).ToList(), viewer), entries);
        if (viewer is null && query == PageQuery.First(query.Limit))
        {
            firstPage.Set(query.Limit, page);
        }
        return page;
    }

    public Task<List<CheckinEntry>> GetGlobalEntries(PageQuery query) => feeds.Global.PageAsync(query);
}

/// <summary>
/// The anonymous first page of the global feed, reused for at most <see cref="MaxAge"/>: a bounded staleness
/// (availability and speed over freshness, for a feed nobody's writes depend on). Deletes clear it at once.
/// </summary>
public sealed class GlobalFirstPage(TimeProvider clock)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromMilliseconds(100);
    private volatile Dictionary<int, (ViewPage Page, DateTimeOffset At)> pages = [];

    public bool TryGet(int limit, out ViewPage page)
    {
        if (pages.TryGetValue(limit, out var entry) && clock.GetUtcNow() - entry.At < MaxAge)
        {
            page = entry.Page;
            return true;
        }
        page = null!;
        return false;
    }

    public void Set(int limit, ViewPage page)
    {
        var next = new Dictionary<int, (ViewPage, DateTimeOffset)>(pages) { [limit] = (page, clock.GetUtcNow()) };
        pages = next;
    }

    public void Clear() => pages = [];
}
