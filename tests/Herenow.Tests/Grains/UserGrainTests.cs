using Herenow.Grains.Accounts;
using Herenow.Tests.Support;

namespace Herenow.Tests.Grains;

public sealed class UserGrainTests : IAsyncLifetime
{
    private TestClusterHost host = null!;

    public async Task InitializeAsync() => host = await TestClusterHost.StartAsync();

    public async Task DisposeAsync() => await host.DisposeAsync();

    [Fact]
    public async Task Registered_account_is_persisted_and_read_back_after_reactivation()
    {
        var user = host.Client.GetGrain<IUserGrain>("alice");
        var created = await user.Register(new NewAccount("Alice", "Alice A.", "hash"));
        Assert.NotNull(created);

        await host.Cluster.DeactivateAsync(user);
        var reloaded = await user.GetAccount(null);

        Assert.Equal(created, reloaded);
        var rows = await host.Database.ScalarAsync<int>(
            "SELECT count(*) FROM orleans_storage WHERE grain_id_extension = 'alice' AND payload IS NOT NULL");
        Assert.Equal(1, rows);
    }

    [Fact]
    public async Task Second_registration_of_a_username_is_refused_and_keeps_the_first()
    {
        var user = host.Client.GetGrain<IUserGrain>("bob");
        var first = await user.Register(new NewAccount("bob", "Bob", "hash-1"));

        var second = await user.Register(new NewAccount("Bob", "Impostor", "hash-2"));

        Assert.Null(second);
        Assert.Equal(first, await user.GetAccount(null));
    }

    [Fact]
    public async Task Unknown_account_is_null_and_nothing_is_stored()
    {
        var account = await host.Client.GetGrain<IUserGrain>("nobody").GetAccount(null);

        Assert.Null(account);
        Assert.Equal(0, await host.Database.ScalarAsync<int>(
            "SELECT count(*) FROM orleans_storage WHERE grain_id_extension = 'nobody'"));
    }
}
