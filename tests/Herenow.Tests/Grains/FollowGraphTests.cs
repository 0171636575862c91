using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Herenow.Tests.Grains;

/// <summary>The follow graph as rows of the follows table (migration 0012, docs/adr/0013-follow-graph-table.md).</summary>
public sealed class FollowGraphTests : IAsyncLifetime
{
    private static readonly PlaceSnapshot Cafe = new("place-1", "Cafe", 52.52, 13.40, "cafe");
    private TestClusterHost host = null!;

    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    private Task<long> Rows(string where) => host.Database.ScalarAsync<long>($"SELECT count(*) FROM follows WHERE {where}");

    private async Task<AccountView> Account(string name) => (await host.Client.GetGrain<IUserGrain>(name).GetAccount(null))!;

    [Fact]
    public async Task A_user_with_thousands_of_followers_reaches_every_home_feed_and_keeps_a_small_state()
    {
        const int count = 3000;
        var star = await host.RegisterAsync("star");
        var fans = Enumerable.Range(0, count).Select(i => $"fan{i:D4}").ToList();
        foreach (var batch in fans.Chunk(250))
        {
            await Task.WhenAll(batch.Select(async fan =>
                Assert.Equal(FollowOutcome.Following, await (await host.RegisterAsync(fan)).Follow("star"))));
        }
        Assert.Equal(count, (await Account("star")).FollowersCount);
        Assert.Equal(count, await Rows("followee = 'star'"));

        var checkin = await star.PostCheckin(new NewCheckin(Cafe, 52.52, 13.40, 10, "hello, all", Visibility.Public, []));

        // Bounded wait: at most 200 rounds over the fans whose feed does not hold the check-in yet.
        var waiting = fans;
        for (var round = 0; round < 200 && waiting.Count > 0; round++)
        {
            var missing = new List<string>();
            foreach (var batch in waiting.Chunk(250))
            {
                var pages = await Task.WhenAll(batch.Select(fan =>
                    host.Client.GetGrain<IFeedGrain>(fan).GetPage(PageQuery.First(5))));
                missing.AddRange(batch.Where((_, i) => pages[i].All(e => e.Id != checkin.Id)));
            }
            waiting = missing;
            if (waiting.Count > 0) await Task.Delay(100);
        }
        Assert.Empty(waiting);

        // The edges are rows, not state: the user's stored state stays a few hundred bytes (3,000 edges in the old
        // lists were ~100 kB).
        var largest = await host.Database.ScalarAsync<int>(
            "SELECT max(octet_length(payload)) FROM orleans_storage WHERE grain_id_extension = 'star'");
        Assert.True(largest < 4096, $"largest stored state of 'star' is {largest} bytes");
    }

    [Fact]
    public async Task Follow_and_unfollow_are_idempotent_and_counts_match_the_table()
    {
        var ann = await host.RegisterAsync("ann");
        await host.RegisterAsync("ben");

        Assert.Equal(FollowOutcome.Following, await ann.Follow("ben"));
        Assert.Equal(FollowOutcome.Following, await ann.Follow("ben"));
        Assert.Equal(1, await Rows("followee = 'ben' AND follower = 'ann'"));
        Assert.Equal(1, (await Account("ben")).FollowersCount);
        Assert.Equal(1, (await Account("ann")).FollowingCount);
        Assert.True((await host.Client.GetGrain<IUserGrain>("ben").GetRelationship("ann")).ViewerFollows);

        await ann.Unfollow("ben");
        await ann.Unfollow("ben");
        Assert.Equal(0, await Rows("followee = 'ben' OR follower = 'ben'"));
        Assert.Equal(0, (await Account("ben")).FollowersCount);
        Assert.Equal(0, (await Account("ann")).FollowingCount);
        Assert.Equal(FollowOutcome.NoSuchAccount, await ann.Follow("nobody"));
        Assert.Equal(FollowOutcome.Self, await ann.Follow("ann"));
    }

    [Fact]
    public async Task Two_users_following_each_other_at_once_do_not_deadlock()
    {
        var dee = await host.RegisterAsync("dee");
        var eve = await host.RegisterAsync("eve");

        // Without interleaving, each Follow holds its grain while waiting on the other's: both would hang until the
        // 30 s call timeout. The bound here only keeps a regression from hanging the suite.
        for (var round = 0; round < 5; round++)
        {
            var both = Task.WhenAll(dee.Follow("eve"), eve.Follow("dee"), dee.Block("eve"), eve.Unblock("dee"));
            await both.WaitAsync(TimeSpan.FromSeconds(20));
            await dee.Unblock("eve");
        }
        Assert.Equal(FollowOutcome.Following, await dee.Follow("eve"));
        Assert.Equal(FollowOutcome.Following, await eve.Follow("dee"));
        Assert.Equal(1, (await Account("dee")).FollowersCount);
        Assert.Equal(1, (await Account("eve")).FollowersCount);
        Assert.Equal(2, await Rows("followee IN ('dee', 'eve')"));
    }

    [Fact]
    public async Task Block_removes_both_directions_refuses_follows_and_is_idempotent()
    {
        var cat = await host.RegisterAsync("cat");
        var dan = await host.RegisterAsync("dan");
        await cat.Follow("dan");
        await dan.Follow("cat");
        Assert.Equal(2, await Rows("true"));

        await cat.Block("dan");
        await cat.Block("dan");

        Assert.Equal(0, await Rows("true"));
        foreach (var name in new[] { "cat", "dan" })
        {
            var account = await Account(name);
            Assert.Equal((0, 0), (account.FollowersCount, account.FollowingCount));
        }
        Assert.Equal(FollowOutcome.Blocked, await dan.Follow("cat"));
        Assert.Equal(FollowOutcome.Blocked, await cat.Follow("dan"));
        Assert.True((await cat.GetRelationship("dan")).BlocksViewer);
        Assert.Equal(0, await Rows("true"));

        await cat.Unblock("dan");
        Assert.Equal(FollowOutcome.Following, await dan.Follow("cat"));
        Assert.Equal(1, (await Account("cat")).FollowersCount);
    }

    [Fact]
    public async Task Follower_pages_with_max_id_since_id_and_min_id_match_PageQuery_Apply()
    {
        var idol = await host.RegisterAsync("idol");
        var names = Enumerable.Range(0, 9).Select(i => $"p{i}").ToList();
        foreach (var name in names)
        {
            await (await host.RegisterAsync(name)).Follow("idol"); // one at a time: edge ids follow this order
        }
        var all = await idol.GetFollowers(PageQuery.First(100));
        Assert.Equal(Enumerable.Reverse(names), all.Select(e => e.Username)); // newest first

        var queries = new[]
        {
            PageQuery.First(4),
            new PageQuery(all[3].Id, null, null, 4),
            new PageQuery(all[7].Id, null, null, 4),
            new PageQuery(null, all[5].Id, null, 3),
            new PageQuery(null, null, all[5].Id, 3),
            new PageQuery(null, null, all[1].Id, 3),
            new PageQuery(all[1].Id, null, all[6].Id, 2),
            new PageQuery(all[0].Id, all[8].Id, null, 100),
        };
        foreach (var query in queries)
        {
            Assert.Equal(query.Apply(all, e => e.Id), await idol.GetFollowers(query));
        }
        var following = await host.Client.GetGrain<IUserGrain>("p0").GetFollowing(PageQuery.First(10));
        Assert.Equal("idol", Assert.Single(following).Username);
    }
}
