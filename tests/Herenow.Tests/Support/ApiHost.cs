using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Herenow.Tests.Support;

/// <summary>
/// The real API (its Program, middleware and Orleans client) in-process, in front of a real silo that keeps
/// everything in PostgreSQL. The API finds the gateway through the membership table, as in production.
/// </summary>
public sealed class ApiHost : IAsyncLifetime
{
    private WebApplicationFactory<Program> factory = null!;

    public RealCluster Cluster { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;

    /// <summary>For requests HttpClient will not send as written (e.g. a header with an empty value).</summary>
    public TestServer Server => factory.Server;

    public async Task InitializeAsync()
    {
        Cluster = await RealCluster.StartAsync(silos: 1);
        factory = new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in Cluster.Settings)
            {
                web.UseSetting(key, value);
            }
            web.UseEnvironment("Production");
        });
        Http = factory.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await factory.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
