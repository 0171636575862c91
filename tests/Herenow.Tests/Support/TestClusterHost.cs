using Herenow.Grains.Accounts;
using Herenow.Silo;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Herenow.Tests.Support;

/// <summary>
/// Orleans' in-process test cluster (in-memory transport and membership) whose silos keep grain state and
/// reminders through Herenow's real ADO.NET configuration on a fresh PostgreSQL database.
/// For membership on the real ADO.NET table use <see cref="RealCluster"/>.
/// </summary>
public sealed class TestClusterHost : IAsyncDisposable
{
    private TestClusterHost(TestDatabase database, InProcessTestCluster cluster)
    {
        Database = database;
        Cluster = cluster;
    }

    public TestDatabase Database { get; }
    public InProcessTestCluster Cluster { get; }
    public IClusterClient Client => Cluster.Client;

    /// <param name="services">Applied after Herenow's own registrations, so a test can replace one (e.g. the clock).</param>
    public static async Task<TestClusterHost> StartAsync(short silos = 1, Action<IServiceCollection>? services = null)
    {
        var database = await TestDatabase.CreateAsync();
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ConfigureFileLogging = false;
        var connectionString = database.ConnectionString;
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseHerenowStorage(connectionString);
            services?.Invoke(silo.Services);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new TestClusterHost(database, cluster);
    }

    /// <summary>A registered account's grain (the password hash is a placeholder: grain tests do not sign in).</summary>
    public async Task<IUserGrain> RegisterAsync(string username)
    {
        var user = Client.GetGrain<IUserGrain>(username);
        await user.Register(new NewAccount(username, username, "hash"));
        return user;
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
    }
}
