using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Pages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Herenow.Grains.Feeds;

/// <summary>
/// A home feed as a cache (docs/adr/0027-feeds-as-caches.md). Activation: load whom the owner follows, register with
/// the silo's delivery, then read the newest entries from the table — in that order, so a check-in committed meanwhile
/// is either in the read or delivered (both are idempotent). Nothing is persisted: a lost activation loses nothing.
/// </summary>
public sealed class FeedGrain(
    LocalFeeds local,
    CheckinStore checkins,
    NpgsqlDataSource database,
    PageBuilder pages,
    IOptions<FeedOptions> options,
    ILogger<FeedGrain> logger) : Grain, IFeedGrain
{
    private LocalFeeds.Home home = null!;
    private HashSet<string> sources = [];
    private readonly TimelineWatchers watchers = new(logger);

    private string Owner => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        sources = await new FollowGraph(database).FeedSourcesAsync(Owner);
        home = new LocalFeeds.Home(Owner, options.Value.HomeCapacity);
        local.Register(home, sources);
        try
        {
            home.Timeline.AddRange(await checkins.HomeEntriesAsync(Owner, [.. sources, Owner], null, options.Value.HomeCapacity + 1));
        }
        catch
        {
            local.Unregister(home, sources); // a failed activation is not deactivated: leave nothing behind
            throw;
        }
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        local.Unregister(home, sources);
        return Task.CompletedTask;
    }

    public Task<List<CheckinEntry>> GetPage(PageQuery query) => Task.FromResult(Entries(query));

    /// <summary>The feed's own entries, and those of followed accounts that are merged at read time (hybrid fan-out).</summary>
    private List<CheckinEntry> Entries(PageQuery query)
    {
        var entries = home.Timeline.Page(query);
        List<CheckinEntry>? merged = null;
        foreach (var (author, recent) in local.MergedAtRead)
        {
            if (sources.Contains(author))
            {
                (merged ??= [.. entries]).AddRange(recent.Page(query, e => e.Visibility != Visibility.Private));
            }
        }
        return merged is null ? entries
            : query.Apply(merged.DistinctBy(e => e.Id).OrderByDescending(e => e.Id, StringComparer.Ordinal), e => e.Id);
    }

    public async Task<ViewPage> GetHomeView(PageQuery query)
    {
        var entries = Entries(query);
        // Paging older (no min_id) past what memory keeps: the rest comes from the table, in one statement.
        if (home.Timeline.Truncated && query.MinId is null && entries.Count < query.Limit)
        {
            var olderThan = entries.Count > 0 ? entries[^1].Id : query.MaxId;
            entries = [.. entries, .. await checkins.HomeEntriesAsync(Owner, [.. sources, Owner], olderThan, query.Limit - entries.Count)];
        }
        // The owner's own, and those of accounts it follows now: an unfollow or a block takes effect on the next read.
        var items = await pages.BuildAsync(entries, Owner, (author, exists) => new Relationship(exists,
            ViewerFollows: sources.Contains(author) || author.Contains('@'), BlocksViewer: false, IsSelf: author == Owner));
        return ViewPage.Of(items, entries);
    }

    public async Task Followed(string author)
    {
        if (author == Owner || !sources.Add(author))
        {
            return;
        }
        local.Follow(home, author);
        home.Timeline.AddRange(await checkins.HomeEntriesAsync(Owner, [author], null, options.Value.HomeCapacity));
    }

    public Task Unfollowed(string author)
    {
        if (author != Owner && sources.Remove(author))
        {
            local.Unfollow(home, author);
            home.Timeline.RemoveAuthor(author);
        }
        return Task.CompletedTask;
    }

    public Task Notify(CheckinEvent checkin)
    {
        watchers.Notify(checkin);
        return Task.CompletedTask;
    }

    public Task Clear()
    {
        local.Unregister(home, sources);
        sources = [];
        home = new LocalFeeds.Home(Owner, options.Value.HomeCapacity);
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public Task Watch(ITimelineWatcher watcher)
    {
        watchers.Watch(watcher);
        home.Watched = true;
        return Task.CompletedTask;
    }

    public Task Unwatch(ITimelineWatcher watcher)
    {
        watchers.Unwatch(watcher);
        home.Watched = watchers.Count > 0;
        return Task.CompletedTask;
    }

    public Task<int> WatcherCount()
    {
        var live = watchers.Live();
        home.Watched = live > 0;
        return Task.FromResult(live);
    }
}
