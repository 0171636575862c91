using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Grains;

/// <summary>
/// A fan-out the worker confirmed can still be lost when a silo dies before its feeds persisted (they write behind)
/// or while events sat in its stream queues. The outbox keeps a confirmed event until it settles, and sends it again
/// when a silo died meanwhile.
/// </summary>
public sealed class FanoutSiloDeathTests : IAsyncLifetime
{
    private const int Followers = 40;
    private static readonly PlaceSnapshot Cafe = new("place-1", "Cafe", 52.52, 13.40, "cafe");
    private TestClusterHost host = null!;

    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync(silos: 2, services: s => s.Configure<FanoutOptions>(o =>
    {
        o.CheckPeriod = TimeSpan.FromMilliseconds(250);
    }));

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task A_checkin_whose_feeds_died_with_a_silo_before_persisting_reaches_them_again()
    {
        var survivor = host.Cluster.Silos[0];
        var victim = host.Cluster.Silos[1];
        var author = await AccountOn(survivor.SiloAddress);
        var followers = Enumerable.Range(0, Followers).Select(i => $"f{i}").ToList();
        foreach (var name in followers)
        {
            await (await host.RegisterAsync(name)).Follow(author.GetPrimaryKeyString());
        }

        var checkin = await author.PostCheckin(new NewCheckin(Cafe, 52.52, 13.40, 10, "before the crash", Visibility.Public, []));
        // Every feed holds it in memory; feeds write about a second later, so the victim's have not persisted yet.
        Assert.Empty(await MissingFrom(followers, checkin.Id, TimeSpan.FromSeconds(10)));
        var onVictim = await HostedOn(victim.SiloAddress, followers);
        await host.Cluster.KillSiloAsync(victim);
        Assert.NotEmpty(onVictim); // otherwise the test proves nothing: the placement put no feed there

        Assert.Empty(await MissingFrom(followers, checkin.Id, TimeSpan.FromSeconds(90)));
        foreach (var name in followers)
        {
            var page = await host.Client.GetGrain<IFeedGrain>(name).GetPage(PageQuery.First(40));
            Assert.Single(page, e => e.Id == checkin.Id); // sent twice, held once
        }
    }

    /// <summary>An author whose grain lives on the silo that survives, so only feeds die with the other one.</summary>
    private async Task<IUserGrain> AccountOn(SiloAddress silo)
    {
        for (var i = 0; ; i++)
        {
            var user = await host.RegisterAsync($"author{i}");
            if ((await host.Client.GetGrain<IManagementGrain>(0).GetActivationAddress(user)) == silo)
            {
                return user;
            }
        }
    }

    private async Task<List<string>> HostedOn(SiloAddress silo, List<string> feeds)
    {
        var management = host.Client.GetGrain<IManagementGrain>(0);
        var hosted = new List<string>();
        foreach (var name in feeds)
        {
            if ((await management.GetActivationAddress(host.Client.GetGrain<IFeedGrain>(name))) == silo)
            {
                hosted.Add(name);
            }
        }
        return hosted;
    }

    private Task<List<string>> MissingFrom(List<string> feeds, string checkinId, TimeSpan within) =>
        Eventually.Value(async () =>
        {
            var missing = new List<string>();
            foreach (var name in feeds)
            {
                try
                {
                    var page = await host.Client.GetGrain<IFeedGrain>(name).GetPage(PageQuery.First(40));
                    if (!page.Any(e => e.Id == checkinId)) missing.Add(name);
                }
                catch (Exception e) when (e is SiloUnavailableException or OrleansMessageRejectionException or TimeoutException)
                {
                    missing.Add(name); // its silo was just killed; the next round reaches the new activation
                }
            }
            return missing;
        }, missing => missing.Count == 0, "every feed holds the check-in", within, TimeSpan.FromMilliseconds(250));
}
