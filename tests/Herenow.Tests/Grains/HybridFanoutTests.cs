using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Grains;

/// <summary>
/// Hybrid fan-out (docs/adr/0027-feeds-as-caches.md): above the threshold an author's check-ins are kept once per silo
/// and merged into followers' pages at read time, with the same visibility, order and deletes as pushed ones.
/// </summary>
public sealed class HybridFanoutTests : IAsyncLifetime
{
    private static readonly PlaceSnapshot Cafe = new("place-1", "Cafe", 52.52, 13.40, "cafe");
    private TestClusterHost host = null!;

    // A threshold of one follower: the author below, with two, is merged at read time.
    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync(services: s =>
        s.Configure<FanoutOptions>(o => o.MergeAtReadAbove = 1));

    public async Task DisposeAsync() => await host.DisposeAsync();

    private Task<List<string>> HomeIds(string owner) => HomeFeeds.IdsAsync(host.Client, owner);

    private Task<List<string>> WaitForHome(string owner, Func<List<string>, bool> done) => HomeFeeds.WaitAsync(host.Client, owner, done);

    [Fact]
    public async Task A_popular_authors_checkins_are_merged_into_followers_pages_in_order_and_leave_when_deleted()
    {
        var star = await host.RegisterAsync("star");
        var fan = await host.RegisterAsync("fan");
        var other = await host.RegisterAsync("other");
        await fan.Follow("star");
        await other.Follow("star");
        await fan.Follow("other");
        await star.GetRelationship("fan"); // the author's grain has its followers in memory: above the threshold
        await HomeIds("fan"); // fan's feed is active, so it would be pushed to if the author were below the threshold

        var first = await star.PostCheckin(new NewCheckin(Cafe, 52.52, 13.40, 10, "one", Visibility.Public, []));
        var mine = await other.PostCheckin(new NewCheckin(Cafe, 52.52, 13.40, 10, "mine", Visibility.Public, []));
        var second = await star.PostCheckin(new NewCheckin(Cafe, 52.52, 13.40, 10, "two", Visibility.Followers, []));
        var secret = await star.PostCheckin(new NewCheckin(Cafe, 52.52, 13.40, 10, "me only", Visibility.Private, []));

        var page = await WaitForHome("fan", ids => ids.Count >= 3);
        Assert.Equal([second.Id, mine.Id, first.Id], page);
        Assert.DoesNotContain(secret.Id, page);
        Assert.Contains(secret.Id, await WaitForHome("star", ids => ids.Contains(secret.Id))); // the author's own feed is pushed to

        Assert.True(await star.DeleteCheckin(second.Id));
        Assert.Equal([mine.Id, first.Id], await HomeIds("fan"));
    }

    [Fact]
    public void A_silo_keeps_merged_authors_once_and_pushes_everyone_else()
    {
        var feeds = new LocalFeeds(null!);
        var follower = new LocalFeeds.Home("fan", 400);
        feeds.Register(follower, ["star", "friend"]);
        var popular = new CheckinEvent(TimeOrderedId.New(), "star", "p", Visibility.Followers, default, false, MergeAtRead: true);
        var ordinary = new CheckinEvent(TimeOrderedId.New(), "friend", "p", Visibility.Followers, default, false);
        var hidden = new CheckinEvent(TimeOrderedId.New(), "friend", "p", Visibility.Private, default, false);

        feeds.Deliver([popular, ordinary, hidden]);

        Assert.Equal([ordinary.CheckinId], follower.Timeline.Page(PageQuery.First(10)).Select(e => e.Id));
        Assert.Equal([popular.CheckinId], feeds.MergedAtRead["star"].Page(PageQuery.First(10)).Select(e => e.Id));
    }
}
