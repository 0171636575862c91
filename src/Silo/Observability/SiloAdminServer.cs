using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Herenow.Silo.Observability;

/// <summary>
/// The silo's admin port (Herenow:Silo:AdminPort, 127.0.0.1 unless Herenow:Silo:AdminAddress says otherwise): the
/// Prometheus scrape endpoint /metrics for this silo process. A small Kestrel of its own, because the silo host is no
/// web host; it serves the silo's own MeterProvider, so what it shows is what OTLP would export.
/// </summary>
public sealed class SiloAdminServer(IServiceProvider silo, IOptions<HerenowSiloOptions> options, ILogger<SiloAdminServer> logger) : IHostedService
{
    private WebApplication? app;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Parse(settings.AdminAddress), settings.AdminPort));
        app = builder.Build();
        app.MapPrometheusScrapingEndpoint("/metrics", silo.GetRequiredService<MeterProvider>(), null, null);
        await app.StartAsync(cancellationToken);
        logger.LogInformation("Silo metrics on http://{Address}:{Port}/metrics", settings.AdminAddress, settings.AdminPort);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (app is not null)
        {
            await app.StopAsync(cancellationToken);
            await app.DisposeAsync();
        }
    }
}
