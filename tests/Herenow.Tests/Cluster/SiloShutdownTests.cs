using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Tests.Support;
using Xunit.Abstractions;

namespace Herenow.Tests.Cluster;

/// <summary>
/// Scaling in: a silo leaves gracefully and its grains come back on the others with their persisted state
/// (separate silo hosts on the real ADO.NET membership table, TCP between them).
/// </summary>
public sealed class SiloShutdownTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly PlaceSnapshot Cafe = new("place-1", "Cafe", 52.52, 13.40, "cafe");
    private const int Active = 3;
    private const int Dead = 6;

    private RealCluster host = null!;

    public async Task InitializeAsync() => host = await RealCluster.StartAsync(silos: 3);

    public async Task DisposeAsync() => await host.DisposeAsync();

    private Task<int> StatusOf(SiloAddress silo) => host.Database.ScalarAsync<int>(
        $"SELECT status FROM orleans_membership WHERE port = {silo.Endpoint.Port} AND generation = {silo.Generation}");

    [Fact]
    public async Task Users_on_a_gracefully_stopped_silo_reactivate_elsewhere_with_their_profile_and_checkins()
    {
        // Each user gets state in all its parts: the registration, a profile change and a check-in (which also writes
        // the check-in grain and the user's history).
        var names = Enumerable.Range(0, 30).Select(i => $"mover{i}").ToList();
        var checkinOf = new Dictionary<string, string>();
        foreach (var name in names)
        {
            var user = host.Client.GetGrain<IUserGrain>(name);
            Assert.NotNull(await user.Register(new NewAccount(name, name, "h")));
            Assert.NotNull(await user.UpdateProfile(new ProfileUpdate($"{name} moved", $"note of {name}", null, null)));
            checkinOf[name] = (await user.PostCheckin(new NewCheckin(Cafe, 52.52, 13.40, 10, $"hi from {name}", Visibility.Public, []))).Id;
        }

        // Stop the silo that hosts the most of them, so the test is about grains that really had to move.
        var before = await GrainLocations.UserGrainsBySiloAsync(host.Client);
        output.WriteLine($"user grains per silo before the stop: {GrainLocations.Describe(before)}");
        var (stoppedAddress, moved) = before.MaxBy(pair => pair.Value.Count);
        var stopped = host.Silos.Single(silo => MembershipViews.AddressOf(silo.Services).Equals(stoppedAddress));
        var survivors = host.Silos.Where(silo => silo != stopped).Select(silo => MembershipViews.AddressOf(silo.Services)).ToList();
        Assert.NotEmpty(moved);

        await host.StopSiloAsync(stopped);

        foreach (var name in names)
        {
            var user = host.Client.GetGrain<IUserGrain>(name);
            var account = await user.GetAccount(null);
            Assert.NotNull(account);
            Assert.Equal(($"{name} moved", $"note of {name}", 1), (account.DisplayName, account.Note, account.CheckinsCount));
            var history = await user.GetHistory(PageQuery.First(10), includeFollowersOnly: true, includePrivate: true);
            Assert.Equal([checkinOf[name]], history.Select(entry => entry.Id));
            Assert.Equal($"hi from {name}", (await host.Client.GetGrain<ICheckinGrain>(checkinOf[name]).Get())?.Shout);
        }
        var after = await GrainLocations.UserGrainsBySiloAsync(host.Client);
        output.WriteLine($"user grains per silo after the stop: {GrainLocations.Describe(after)}");
        Assert.Equal(survivors.ToHashSet(), after.Keys.ToHashSet());
        Assert.All(moved, grain => Assert.Contains(after.Values, grains => grains.Contains(grain)));

        // The stopped silo said goodbye in the membership table; the others are still Active there.
        Assert.Equal(Dead, await StatusOf(stoppedAddress));
        foreach (var survivor in survivors)
        {
            Assert.Equal(Active, await StatusOf(survivor));
        }
    }
}
