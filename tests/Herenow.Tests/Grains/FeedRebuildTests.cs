using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;
using Herenow.Tests.Support;

namespace Herenow.Tests.Grains;

/// <summary>
/// Home feeds are caches (docs/adr/0027-feeds-as-caches.md): a fresh activation is rebuilt from the follow graph and the
/// check-in rows; follows merge, unfollows and deletes take effect on the very next read, with no waiting for delivery.
/// </summary>
public sealed class FeedRebuildTests : IAsyncLifetime
{
    private static readonly PlaceSnapshot Cafe = new("place-1", "Cafe", 52.52, 13.40, "cafe");
    private TestClusterHost host = null!;

    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static NewCheckin At(Visibility visibility, string shout = "hi") => new(Cafe, 52.52, 13.40, 10, shout, visibility, []);

    private Task<List<string>> HomeIds(string owner) => HomeFeeds.IdsAsync(host.Client, owner);

    private Task<List<string>> WaitForHome(string owner, Func<List<string>, bool> done) => HomeFeeds.WaitAsync(host.Client, owner, done);

    [Fact]
    public async Task A_feed_activated_again_is_rebuilt_with_what_its_owner_may_see()
    {
        var ann = await host.RegisterAsync("ann");
        await (await host.RegisterAsync("ben")).Follow("ann");
        var shown = await ann.PostCheckin(At(Visibility.Public));
        var forFollowers = await ann.PostCheckin(At(Visibility.Followers));
        var secret = await ann.PostCheckin(At(Visibility.Private));
        var before = await WaitForHome("ben", ids => ids.Contains(forFollowers.Id) && ids.Contains(shown.Id));

        await host.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var after = await HomeIds("ben");

        Assert.Equal([forFollowers.Id, shown.Id], before);
        Assert.Equal(before, after);
        Assert.DoesNotContain(secret.Id, after);
        Assert.Equal([secret.Id, forFollowers.Id, shown.Id], await HomeIds("ann")); // the author's own feed holds all three
    }

    [Fact]
    public async Task A_follow_merges_earlier_checkins_and_an_unfollow_or_delete_hides_at_the_next_read()
    {
        var cat = await host.RegisterAsync("cat");
        var dan = await host.RegisterAsync("dan");
        var first = await cat.PostCheckin(At(Visibility.Public));
        var second = await cat.PostCheckin(At(Visibility.Followers));
        await HomeIds("dan"); // dan's feed is active before the follow

        Assert.Equal(Herenow.Grains.Accounts.FollowOutcome.Following, await dan.Follow("cat"));
        Assert.Equal([second.Id, first.Id], await HomeIds("dan"));

        Assert.True(await cat.DeleteCheckin(second.Id));
        Assert.Equal([first.Id], await HomeIds("dan"));

        await dan.Unfollow("cat");
        Assert.Empty(await HomeIds("dan"));
    }
}
