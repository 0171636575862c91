using System.Net;
using System.Net.Sockets;
using Herenow.Api;
using Herenow.Grains;
using Herenow.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Herenow.Tests.Support;

/// <summary>
/// Silos built exactly as the Silo program builds them (ADO.NET membership, storage and reminders on a fresh
/// PostgreSQL database, TCP on loopback ports), plus an Orleans client that finds gateways through the membership
/// table. Each silo is its own host and can be stopped on its own.
/// </summary>
public sealed class RealCluster : IAsyncDisposable
{
    private readonly List<IHost> silos = [];
    private IHost? clientHost;

    private readonly IDictionary<string, string?> siloSettings;

    private RealCluster(TestDatabase database, string clusterId, IDictionary<string, string?>? siloSettings)
    {
        Database = database;
        ClusterId = clusterId;
        this.siloSettings = siloSettings ?? new Dictionary<string, string?>();
    }

    public TestDatabase Database { get; }
    public string ClusterId { get; }
    public IReadOnlyList<IHost> Silos => silos;
    public IClusterClient Client => clientHost!.Services.GetRequiredService<IClusterClient>();

    /// <param name="siloSettings">Configuration every silo gets on top of the cluster's (e.g. "Herenow:Feeds:HomeCapacity").</param>
    public static async Task<RealCluster> StartAsync(int silos, IDictionary<string, string?>? siloSettings = null)
    {
        var cluster = new RealCluster(await TestDatabase.CreateAsync(), "test-" + Guid.NewGuid().ToString("N")[..8], siloSettings);
        for (var i = 0; i < silos; i++)
        {
            await cluster.StartSiloAsync();
        }
        await cluster.StartClientAsync();
        return cluster;
    }

    public Dictionary<string, string?> Settings => new()
    {
        ["HERENOW_POSTGRES"] = Database.ConnectionString,
        ["Herenow:ClusterId"] = ClusterId,
        ["Herenow:ServiceId"] = ClusterId,
    };

    public async Task<IHost> StartSiloAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Configuration.AddInMemoryCollection(siloSettings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Herenow:Silo:SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Herenow:Silo:GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.AddHerenowSilo(Database.ConnectionString);
        var host = builder.Build();
        await host.StartAsync();
        silos.Add(host);
        return host;
    }

    public async Task StopSiloAsync(IHost silo)
    {
        await silo.StopAsync();
        silo.Dispose();
        silos.Remove(silo);
    }

    private async Task StartClientAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var identity = new ClusterIdentity(ClusterId, ClusterId);
        builder.UseOrleansClient(client => client.UseHerenowCluster(Database.ConnectionString, identity));
        clientHost = builder.Build();
        await clientHost.StartAsync();
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        if (clientHost is not null)
        {
            await clientHost.StopAsync();
            clientHost.Dispose();
        }
        foreach (var silo in silos.ToList())
        {
            await StopSiloAsync(silo);
        }
        await Database.DisposeAsync();
    }
}
