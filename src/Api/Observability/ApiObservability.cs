using Herenow.Grains.Observability;
using Microsoft.AspNetCore.Authorization;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Orleans.Dashboard;

namespace Herenow.Api.Observability;

/// <summary>
/// The API's telemetry and its admin port. The admin port (Herenow:Admin:Port, 0 = none; bound to
/// Herenow:Admin:Address, 127.0.0.1 by default) is a second Kestrel endpoint of the same process: /metrics (Prometheus)
/// and, when Herenow:Dashboard:Enabled, the Orleans Dashboard under /dashboard. Both are mapped with RequireHost on
/// that port, so the public port answers them with 404 whatever a proxy forwards.
/// </summary>
public static class ApiObservability
{
    public const string PortKey = "Herenow:Admin:Port";
    public const string AddressKey = "Herenow:Admin:Address";

    public static int AdminPort(IConfiguration configuration) =>
        int.TryParse(configuration[PortKey], out var port) && port is > 0 and < 65536 ? port : 0;

    public static WebApplicationBuilder AddHerenowObservability(this WebApplicationBuilder builder, bool coHosted = false)
    {
        var port = AdminPort(builder.Configuration);
        // Trace and span ids in every log scope (the JSON console prints them on each line).
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        builder.Services.AddHerenowTelemetry(builder.Configuration, coHosted ? "herenow-cohosted" : "herenow-api", scraped: port > 0,
            metrics: m =>
            {
                m.AddAspNetCoreInstrumentation();
                if (port > 0) m.AddPrometheusExporter();
            },
            tracing: t => t.AddAspNetCoreInstrumentation());
        builder.Services.AddHostedService<FederationQueueGauge>();
        if (port > 0)
        {
            // Added to the configured URLs (--urls / ASPNETCORE_URLS), not instead of them.
            var urls = builder.Configuration["urls"];
            var address = builder.Configuration[AddressKey] is { Length: > 0 } a ? a : "127.0.0.1";
            var admin = $"http://{(address.Contains(':', StringComparison.Ordinal) ? $"[{address}]" : address)}:{port}";
            builder.WebHost.UseUrls(string.IsNullOrWhiteSpace(urls) ? ["http://localhost:5000", admin] : [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries), admin]);
        }
        return builder;
    }

    public static WebApplication MapAdminPort(this WebApplication app)
    {
        var port = AdminPort(app.Configuration);
        if (port == 0)
        {
            return app;
        }
        var onAdminPort = $"*:{port}";
        app.MapPrometheusScrapingEndpoint("/metrics").RequireHost(onAdminPort).AllowAnonymous();
        if (DashboardSettings.Enabled(app.Configuration))
        {
            // Anonymous on a loopback-bound port: whoever reaches that port already operates the host.
            app.MapOrleansDashboard("/dashboard").RequireHost(onAdminPort).WithMetadata(new AllowAnonymousAttribute());
        }
        return app;
    }
}
