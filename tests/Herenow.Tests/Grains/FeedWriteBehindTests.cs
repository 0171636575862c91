using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Herenow.Tests.Grains;

/// <summary>
/// Feeds persist behind. When the database refuses a write (as it did when a 100k-follower fan-out exhausted the
/// connection pool), the change must be kept and written by a later retry — not dropped.
/// </summary>
public sealed class FeedWriteBehindTests : IAsyncLifetime
{
    private static readonly PlaceSnapshot Cafe = new("place-1", "Cafe", 52.52, 13.40, "cafe");
    private TestClusterHost host = null!;

    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync(services: FailingFeedWrites.Install);

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_feed_write_that_fails_is_retried_until_the_change_is_stored()
    {
        var ada = await host.RegisterAsync("ada");
        await (await host.RegisterAsync("bea")).Follow("ada");

        var checkin = await ada.PostCheckin(new NewCheckin(Cafe, 52.52, 13.40, 10, "hi", Visibility.Public, []));

        var storage = host.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>("Default");
        var stored = new GrainState<Timeline>();
        for (var i = 0; i < 300; i++) // backoff with jitter: 1-2 s, then up to 2, 4, 8 s; bounded at 30 s here
        {
            await storage.ReadStateAsync("feed", GrainId.Create("feed", "bea"), stored);
            if (stored.State?.Entries.Any(e => e.Id == checkin.Id) == true) break;
            await Task.Delay(100);
        }

        Assert.Contains(stored.State!.Entries, e => e.Id == checkin.Id);
        Assert.True(FailingFeedWrites.Failed >= FailingFeedWrites.FailFirst, $"only {FailingFeedWrites.Failed} writes failed");
    }

    [Fact]
    public async Task A_feed_whose_stored_version_moved_underneath_merges_both_copies_instead_of_failing_forever()
    {
        var eve = await host.RegisterAsync("eve");
        await (await host.RegisterAsync("cid")).Follow("eve");
        var first = await eve.PostCheckin(new NewCheckin(Cafe, 52.52, 13.40, 10, "one", Visibility.Public, []));
        var storage = host.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>("Default");
        var feedId = GrainId.Create("feed", "cid");
        await StoredFeed(storage, feedId, f => f.Any(e => e.Id == first.Id));

        // Someone else's write lands in between — as when this activation's own write committed but its reply was
        // lost: the stored version moves on, and the grain's version is stale.
        var elsewhere = new GrainState<Timeline>();
        await storage.ReadStateAsync("feed", feedId, elsewhere);
        var other = TimeOrderedId.New();
        elsewhere.State!.Apply(new CheckinEvent(other, "eve", "place-1", Visibility.Public, DateTimeOffset.UtcNow, Deleted: false));
        await storage.WriteStateAsync("feed", feedId, elsewhere);

        var second = await eve.PostCheckin(new NewCheckin(Cafe, 52.52, 13.40, 10, "two", Visibility.Public, []));

        var stored = await StoredFeed(storage, feedId, f => f.Any(e => e.Id == second.Id));
        Assert.Equal([second.Id, other, first.Id], stored.Select(e => e.Id));
    }

    private static async Task<List<CheckinEntry>> StoredFeed(IGrainStorage storage, GrainId feed, Func<List<CheckinEntry>, bool> done)
    {
        var stored = new GrainState<Timeline>();
        for (var i = 0; i < 100; i++)
        {
            await storage.ReadStateAsync("feed", feed, stored);
            if (stored.State is { } timeline && done(timeline.Entries)) break;
            await Task.Delay(100);
        }
        return stored.State?.Entries ?? [];
    }

    /// <summary>The real grain storage, except that the first few writes of feed state throw, like a pool timeout.</summary>
    private sealed class FailingFeedWrites(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        public const int FailFirst = 3;
        private static int failed;

        public static int Failed => Volatile.Read(ref failed);

        public static void Install(IServiceCollection services)
        {
            var original = services.Last(d => d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, "Default"));
            services.Remove(original);
            services.AddKeyedSingleton<IGrainStorage>("Default", (sp, key) =>
                new FailingFeedWrites((IGrainStorage)original.KeyedImplementationFactory!(sp, key)));
        }

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ReadStateAsync(stateName, grainId, grainState);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
        {
            if (stateName == "feed" && grainId.Key.ToString() == "bea" && Interlocked.Increment(ref failed) <= FailFirst)
            {
                throw new TimeoutException("The connection pool has been exhausted (simulated).");
            }
            return inner.WriteStateAsync(stateName, grainId, grainState);
        }

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            inner.ClearStateAsync(stateName, grainId, grainState);

        // The ADO.NET storage initialises itself in the silo lifecycle; the wrapper must pass that on.
        public void Participate(ISiloLifecycle lifecycle) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(lifecycle);
    }
}
