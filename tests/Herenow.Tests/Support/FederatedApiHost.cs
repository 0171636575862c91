using Microsoft.AspNetCore.Mvc.Testing;

namespace Herenow.Tests.Support;

/// <summary>
/// The real API on a real loopback port (Kestrel, not the in-memory test server), in front of a real silo, with
/// federation on for that origin and private networks allowed: what a fediverse peer on loopback can talk to.
/// </summary>
public sealed class FederatedApiHost : IAsyncLifetime
{
    private WebApplicationFactory<Program> factory = null!;

    public RealCluster Cluster { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public Uri Origin { get; private set; } = null!;

    /// <summary>Settings both the silo and the API get, on top of the federation origin (e.g. short retry delays).</summary>
    public IDictionary<string, string?> ExtraSettings { get; init; } = new Dictionary<string, string?>();

    public IServiceProvider Services => factory.Services;

    public async Task InitializeAsync()
    {
        var port = SiloProcess.FreePort();
        Origin = new Uri($"http://127.0.0.1:{port}");
        var settings = new Dictionary<string, string?>(ExtraSettings)
        {
            ["Herenow:Federation:PublicUrl"] = Origin.ToString().TrimEnd('/'),
            ["Herenow:Federation:AllowPrivateNetworks"] = "true",
            ["Herenow:Media:BaseUrl"] = Origin.ToString().TrimEnd('/'),
            // Seals AT Protocol app passwords (SecretBox): a fresh key per host.
            ["Herenow:Secrets:Key"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        };
        Cluster = await RealCluster.StartAsync(silos: 1, settings);
        factory = ApiHost.CreateApi(Cluster, settings);
        factory.UseKestrel(o => o.Listen(System.Net.IPAddress.Loopback, port));
        factory.StartServer();
        Http = new HttpClient { BaseAddress = Origin, Timeout = TimeSpan.FromSeconds(30) };
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await factory.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

