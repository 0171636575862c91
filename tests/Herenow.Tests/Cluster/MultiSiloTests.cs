using Herenow.Grains.Accounts;
using Herenow.Tests.Support;

namespace Herenow.Tests.Cluster;

/// <summary>Several silos on the real ADO.NET membership table in PostgreSQL.</summary>
public sealed class MultiSiloTests : IAsyncLifetime
{
    private RealCluster host = null!;

    public async Task InitializeAsync() => host = await RealCluster.StartAsync(silos: 2);

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Both_silos_register_as_active_in_the_membership_table()
    {
        var active = await host.Database.ScalarAsync<int>("SELECT count(*) FROM orleans_membership WHERE status = 3");
        var version = await host.Database.ScalarAsync<int>("SELECT version FROM orleans_membership_version");

        Assert.Equal(2, active);
        Assert.True(version >= 2, $"each join bumps the table version; saw {version}");
    }

    [Fact]
    public async Task After_a_silo_stops_every_grain_still_answers_with_its_state()
    {
        var names = Enumerable.Range(0, 30).Select(i => $"user{i}").ToList();
        foreach (var name in names)
        {
            Assert.NotNull(await host.Client.GetGrain<IUserGrain>(name).Register(new NewAccount(name, name.ToUpperInvariant(), "h")));
        }

        await host.StopSiloAsync(host.Silos[1]);

        foreach (var name in names)
        {
            var account = await host.Client.GetGrain<IUserGrain>(name).GetAccount(null);
            Assert.Equal(name.ToUpperInvariant(), account?.DisplayName);
        }
        Assert.Equal(1, await host.Database.ScalarAsync<int>("SELECT count(*) FROM orleans_membership WHERE status = 6"));
        Assert.Equal(1, await host.Database.ScalarAsync<int>("SELECT count(*) FROM orleans_membership WHERE status = 3"));
    }
}
