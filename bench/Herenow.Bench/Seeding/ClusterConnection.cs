using Herenow.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Herenow.Bench.Seeding;

/// <summary>
/// An Orleans client that joins the cluster the way the API does (src/Api/ApiHosting.cs): gateways from the ADO.NET
/// membership table in the same PostgreSQL, same ClusterId/ServiceId. Used for seeding, minting sessions and
/// reading feed grains directly.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    private readonly IHost host;

    private ClusterConnection(IHost host) => this.host = host;

    public IClusterClient Client => host.Services.GetRequiredService<IClusterClient>();

    public static async Task<ClusterConnection> ConnectAsync(string connectionString, string clusterId, CancellationToken ct = default)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddConsole().SetMinimumLevel(LogLevel.Warning);
        var identity = new ClusterIdentity(clusterId, clusterId);
        builder.UseOrleansClient(client =>
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = connectionString;
            });
            client.Configure<ClusterOptions>(identity.ApplyTo);
            // Seeding a 100k-follower account queues many calls on one grain; give them longer than the API's 10 s.
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(60));
        });
        // No console lifetime: it would take SIGTERM for itself (stop the host, then wait for Main to return), so
        // `kill <harness>` — as bench/run.sh's traps and a user stopping a run do — left the harness running.
        builder.Services.AddSingleton<IHostLifetime, NoLifetime>();
        var host = builder.Build();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        await host.StartAsync(timeout.Token);
        return new ClusterConnection(host);
    }

    private sealed class NoLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await host.StopAsync(timeout.Token);
        host.Dispose();
    }
}
