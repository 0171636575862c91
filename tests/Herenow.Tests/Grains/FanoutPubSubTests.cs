using System.Threading.Channels;
using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;
using Herenow.Tests.Support;

namespace Herenow.Tests.Grains;

/// <summary>
/// The fan-out with implicit-only pub-sub (docs/adr/0004-fan-out-over-streams.md): feed grains consume their streams
/// without any pub-sub state, and live viewers hear about changes as grain observers (docs/adr/0011-live-updates.md).
/// </summary>
public sealed class FanoutPubSubTests : IAsyncLifetime
{
    private static readonly PlaceSnapshot Cafe = new("place-1", "Cafe", 52.52, 13.40, "cafe");
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private TestClusterHost host = null!;

    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    private static NewCheckin Public() => new(Cafe, 52.52, 13.40, 10, "hi", Visibility.Public, []);

    private static Task WaitUntil(Func<Task<bool>> condition, string what) => Eventually.True(condition, what, Wait);

    private async Task<bool> FeedHas(string owner, string id) =>
        (await host.Client.GetGrain<IFeedGrain>(owner).GetPage(PageQuery.First(40))).Any(e => e.Id == id);

    [Fact]
    public async Task Feeds_are_fed_without_writing_any_feed_or_pubsub_state()
    {
        var author = await host.RegisterAsync("ora");
        string[] followers = ["pia", "quin", "rae"];
        foreach (var name in followers)
        {
            await (await host.RegisterAsync(name)).Follow("ora");
        }

        var checkin = await author.PostCheckin(Public());
        foreach (var name in followers.Append("ora"))
        {
            await WaitUntil(() => FeedHas(name, checkin.Id), $"{name}'s feed holds the check-in");
        }
        // Feeds are caches rebuilt from the check-in rows (docs/adr/0027-feeds-as-caches.md): nothing of them is stored.
        Assert.True(await host.Database.ScalarAsync<long>("SELECT count(*) FROM orleans_storage WHERE grain_type ILIKE '%user%'") > 0,
            "the query reads the table grain state is in");
        Assert.Equal(0, await host.Database.ScalarAsync<long>(
            "SELECT count(*) FROM orleans_storage WHERE grain_type ILIKE '%feed%'"));

        // Default pub-sub would have stored a PubSubRendezvousGrain state per stream (one per home feed).
        Assert.Equal(0, await host.Database.ScalarAsync<long>(
            "SELECT count(*) FROM orleans_storage WHERE grain_type ILIKE '%pubsub%'"));
    }

    [Fact]
    public async Task A_watcher_hears_a_new_checkin_and_its_delete_until_it_unwatches()
    {
        var author = await host.RegisterAsync("sol");
        await (await host.RegisterAsync("tam")).Follow("sol");
        var feed = host.Client.GetGrain<IFeedGrain>("tam");
        var heard = Channel.CreateUnbounded<CheckinEvent>();
        var watcher = new Watcher(heard.Writer);
        var reference = host.Client.CreateObjectReference<ITimelineWatcher>(watcher);
        await feed.Watch(reference);
        await feed.Watch(reference); // a renewal, not a second watcher
        Assert.Equal(1, await feed.WatcherCount());

        var checkin = await author.PostCheckin(Public());
        using var timeout = new CancellationTokenSource(Wait);
        Assert.Equal((checkin.Id, false), Summary(await heard.Reader.ReadAsync(timeout.Token)));
        Assert.True(await author.DeleteCheckin(checkin.Id));
        Assert.Equal((checkin.Id, true), Summary(await heard.Reader.ReadAsync(timeout.Token)));

        await feed.Unwatch(reference);
        await WaitUntil(async () => await feed.WatcherCount() == 0, "the feed has no watcher");
        host.Client.DeleteObjectReference<ITimelineWatcher>(reference);
        GC.KeepAlive(watcher);
    }

    private static (string, bool) Summary(CheckinEvent e) => (e.CheckinId, e.Deleted);

    private sealed class Watcher(ChannelWriter<CheckinEvent> heard) : ITimelineWatcher
    {
        public Task OnCheckin(CheckinEvent checkin) => heard.WriteAsync(checkin).AsTask();
    }
}
