using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Herenow.Tests.Grains;

public sealed class FanoutTests : IAsyncLifetime
{
    private static readonly PlaceSnapshot Cafe = new("place-1", "Cafe", 52.52, 13.40, "cafe");
    private TestClusterHost host = null!;

    // A short settle window so that the outbox empties within the test; the mechanism is the production one.
    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync(services: s => s.Configure<FanoutOptions>(o =>
    {
        o.SettleAfter = TimeSpan.FromMilliseconds(500);
        o.CheckPeriod = TimeSpan.FromMilliseconds(200);
        o.SweepPeriod = TimeSpan.FromMilliseconds(200);
    }));

    /// <summary>Rows of this author whose event still waits in the outbox (the check-in table's outbox_due).</summary>
    private Task<long> OutboxRows(string author) =>
        host.Database.ScalarAsync<long>($"SELECT count(*) FROM checkins WHERE author = '{author}' AND outbox_due IS NOT NULL");

    /// <summary>The outbox rows left after waiting up to 5 s for the settle window (500 ms here) to clear them.</summary>
    private Task<long> OutboxRowsOnceSettled(string author) =>
        Eventually.Value(() => OutboxRows(author), rows => rows == 0, $"{author}'s outbox rows cleared");

    public async Task DisposeAsync() => await host.DisposeAsync();

    private Task<IUserGrain> Account(string name) => host.RegisterAsync(name);

    private static NewCheckin At(Visibility visibility, string shout = "hi") => new(Cafe, 52.52, 13.40, 10, shout, visibility, []);

    private Task<List<CheckinEntry>> WaitForFeed(string owner, Func<List<CheckinEntry>, bool> done) =>
        Eventually.Value(() => host.Client.GetGrain<IFeedGrain>(owner).GetPage(PageQuery.First(40)), done, $"{owner}'s feed as expected",
            show: page => page.Select(e => e.Id));

    [Fact]
    public async Task Public_checkin_reaches_follower_author_and_global_feed_within_two_seconds()
    {
        var alice = await Account("alice");
        var bob = await Account("bob");
        Assert.Equal(FollowOutcome.Following, await bob.Follow("alice"));

        var started = DateTime.UtcNow;
        var checkin = await alice.PostCheckin(At(Visibility.Public));
        var bobsFeed = await WaitForFeed("bob", p => p.Any(e => e.Id == checkin.Id));
        var elapsed = DateTime.UtcNow - started;

        Assert.Contains(bobsFeed, e => e.Id == checkin.Id);
        Assert.True(elapsed < TimeSpan.FromSeconds(2), $"took {elapsed}");
        Assert.Contains(await WaitForFeed("alice", p => p.Count > 0), e => e.Id == checkin.Id);
        var pages = host.Client.GetGrain<Herenow.Grains.Pages.IPagesGrain>(0);
        var global = await Eventually.Value(() => pages.GetGlobalEntries(PageQuery.First(40)), g => g.Any(e => e.Id == checkin.Id),
            "the global feed holds the check-in", TimeSpan.FromSeconds(2), show: g => g.Select(e => e.Id));
        Assert.Contains(global, e => e.Id == checkin.Id);
    }

    [Fact]
    public async Task Checkin_is_counted_at_its_place_through_the_fanout()
    {
        var kim = await Account("kim");
        var place = host.Client.GetGrain<Herenow.Grains.Places.IPlaceGrain>(Cafe.Id);

        var checkin = await kim.PostCheckin(At(Visibility.Public));
        var recent = await Eventually.Value(() => place.GetRecent(PageQuery.First(10)), r => r.Any(e => e.Id == checkin.Id),
            "the place lists the check-in", TimeSpan.FromSeconds(2), show: r => r.Select(e => e.Id));

        Assert.Contains(recent, r => r.Id == checkin.Id);
    }

    [Fact]
    public async Task Private_checkin_reaches_only_the_authors_feed_and_never_the_global_feed()
    {
        var carol = await Account("carol");
        var dave = await Account("dave");
        await dave.Follow("carol");

        var secret = await carol.PostCheckin(At(Visibility.Private));
        var marker = await carol.PostCheckin(At(Visibility.Public));
        await WaitForFeed("dave", p => p.Any(e => e.Id == marker.Id));

        Assert.DoesNotContain(await WaitForFeed("dave", _ => true), e => e.Id == secret.Id);
        Assert.Contains(await WaitForFeed("carol", p => p.Any(e => e.Id == secret.Id)), e => e.Id == secret.Id);
        Assert.DoesNotContain(await host.Client.GetGrain<Herenow.Grains.Pages.IPagesGrain>(0).GetGlobalEntries(PageQuery.First(40)), e => e.Id == secret.Id);
    }

    [Fact]
    public async Task Each_authors_checkins_keep_their_order_in_the_follower_feed()
    {
        var erin = await Account("erin");
        var frank = await Account("frank");
        await frank.Follow("erin");

        var posted = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            posted.Add((await erin.PostCheckin(At(Visibility.Public, $"#{i}"))).Id);
        }
        var feed = await WaitForFeed("frank", p => p.Count >= 10);

        Assert.Equal(Enumerable.Reverse(posted), feed.Select(e => e.Id));
    }

    [Fact]
    public async Task Deleting_a_checkin_removes_it_from_every_feed()
    {
        var gina = await Account("gina");
        var hal = await Account("hal");
        await hal.Follow("gina");
        var checkin = await gina.PostCheckin(At(Visibility.Public));
        await WaitForFeed("hal", p => p.Any(e => e.Id == checkin.Id));

        Assert.True(await gina.DeleteCheckin(checkin.Id));

        Assert.DoesNotContain(await WaitForFeed("hal", p => p.All(e => e.Id != checkin.Id)), e => e.Id == checkin.Id);
        Assert.Null(await host.Client.GetGrain<ICheckinGrain>(checkin.Id).Get());
    }

    [Fact]
    public async Task The_outbox_empties_once_the_delivery_settles()
    {
        var kim = await Account("kim");
        var lee = await Account("lee");
        await lee.Follow("kim");

        var record = await kim.PostCheckin(At(Visibility.Public));
        Assert.Equal(1, await OutboxRows("kim")); // committed with its event in the outbox, in one statement
        await WaitForFeed("lee", p => p.Any(e => e.Id == record.Id));
        Assert.Equal(0, await OutboxRowsOnceSettled("kim"));

        Assert.Single(await kim.GetHistory(PageQuery.First(10), true, true));
        Assert.True(await kim.IsFanoutSettled());
    }

    [Fact]
    public async Task A_checkin_committed_by_a_grain_that_died_before_its_fanout_is_delivered_by_the_sweeper()
    {
        var ivan = await Account("ivan");
        var judy = await Account("judy");
        await judy.Follow("ivan");
        await host.Cluster.DeactivateAsync(ivan);

        // What a crash leaves behind: the row committed (acknowledged) with its event in the outbox, past its lease,
        // and no activation of the author that knows about it. Nobody calls the author's grain here.
        var record = new CheckinRecord(TimeOrderedId.New(), "ivan", Cafe, 52.52, 13.40, null, "lost?", Visibility.Public, [], DateTimeOffset.UtcNow, 0);
        var store = host.Cluster.Silos[0].ServiceProvider.GetRequiredService<CheckinStore>();
        Assert.Contains(record.Id, await store.InsertAsync([new CheckinInsert(record, null, DateTimeOffset.UtcNow.AddSeconds(-1))]));

        Assert.Contains(await WaitForFeed("judy", p => p.Any(e => e.Id == record.Id)), e => e.Id == record.Id);
        Assert.Equal(0, await OutboxRowsOnceSettled("ivan")); // and, once settled, cleared
    }

    [Fact]
    public async Task An_outbox_event_left_by_an_earlier_activation_is_delivered_when_the_author_comes_back()
    {
        var una = await Account("una");
        var vic = await Account("vic");
        await vic.Follow("una");
        await host.Cluster.DeactivateAsync(una);

        // Within its lease, so the sweeper leaves it alone: the author's next activation takes it up.
        var record = new CheckinRecord(TimeOrderedId.New(), "una", Cafe, 52.52, 13.40, null, "left behind", Visibility.Public, [], DateTimeOffset.UtcNow, 0);
        var store = host.Cluster.Silos[0].ServiceProvider.GetRequiredService<CheckinStore>();
        await store.InsertAsync([new CheckinInsert(record, null, DateTimeOffset.UtcNow.AddHours(1))]);

        Assert.Equal(1, (await una.GetAccount(null))!.CheckinsCount);
        Assert.Contains(await WaitForFeed("vic", p => p.Any(e => e.Id == record.Id)), e => e.Id == record.Id);
    }
}
