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

    /// <summary>API settings on top of the defaults (e.g. Herenow:Admin:Usernames).</summary>
    public IDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>The API's own services (its Orleans client, for instance), for assertions on its side.</summary>
    public IServiceProvider Services => factory.Services;

    /// <summary>For requests HttpClient will not send as written (e.g. a header with an empty value).</summary>
    public TestServer Server => factory.Server;

    public async Task InitializeAsync()
    {
        Cluster = await RealCluster.StartAsync(silos: 1);
        factory = CreateApi(Cluster, Settings);
        Http = factory.CreateClient();
    }

    /// <summary>
    /// Rate limits far above what any test sends: the tests sign up many accounts and post quickly, all from the test
    /// server's single (unknown) address. The limiters still run; tests of the limits pass their own values.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string?> GenerousRateLimits = new Dictionary<string, string?>
    {
        ["Herenow:RateLimits:Writes:TokenLimit"] = "1000000",
        ["Herenow:RateLimits:Writes:TokensPerPeriod"] = "1000000",
        ["Herenow:RateLimits:Anonymous:TokenLimit"] = "1000000",
        ["Herenow:RateLimits:Anonymous:TokensPerPeriod"] = "1000000",
        ["Herenow:RateLimits:Inbox:TokenLimit"] = "1000000",
        ["Herenow:RateLimits:Inbox:TokensPerPeriod"] = "1000000",
        ["Herenow:RateLimits:SignUp:PermitLimit"] = "1000000",
        ["Herenow:RateLimits:Login:PermitLimit"] = "1000000",
        ["Herenow:RateLimits:Login:FailuresBeforeLockout"] = "1000000",
    };

    /// <summary>An API process in front of <paramref name="cluster"/>, configured as in production (but for <see cref="GenerousRateLimits"/>).</summary>
    public static WebApplicationFactory<Program> CreateApi(RealCluster cluster, IDictionary<string, string?>? settings = null) =>
        new WebApplicationFactory<Program>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in GenerousRateLimits.Concat(cluster.Settings).Concat(settings ?? new Dictionary<string, string?>()))
            {
                web.UseSetting(key, value);
            }
            // Short enough that a streaming test sees a heartbeat well within its bounded wait.
            web.UseSetting("Herenow:Streaming:HeartbeatInterval", "00:00:01");
            web.UseEnvironment("Production");
        });

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await factory.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}
