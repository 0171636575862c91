using System.Net;
using Herenow.Grains;
using Herenow.Grains.Feeds;
using Herenow.Grains.Observability;
using Herenow.Silo.Observability;
using OpenTelemetry.Metrics;
using Orleans.Configuration;
using Orleans.Dashboard;

namespace Herenow.Silo;

public static class SiloHosting
{
    /// <param name="coHosted">The API runs in this process too (Herenow:Api:CoHostSilo, ADR 0028): the API's telemetry and
    /// admin port then serve the whole process: the silo adds neither its own meter provider nor its admin server.</param>
    public static IHostApplicationBuilder AddHerenowSilo(this IHostApplicationBuilder builder, string connectionString, bool coHosted = false)
    {
        var options = builder.Configuration.GetSection(HerenowSiloOptions.Section).Get<HerenowSiloOptions>() ?? new();

        // Graceful shutdown: on SIGTERM or Ctrl-C the silo leaves the membership table as Dead and hands its
        // grains over; allow it the time to do so.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.Configure<FeedOptions>(builder.Configuration.GetSection(FeedOptions.Section));
        builder.Services.Configure<FanoutOptions>(builder.Configuration.GetSection(FanoutOptions.Section));
        builder.Services.AddHostedService<MembershipSettingsLog>();
        builder.Services.Configure<HerenowSiloOptions>(builder.Configuration.GetSection(HerenowSiloOptions.Section));
        // Trace and span ids in every log scope (the JSON console prints them on each line).
        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (!coHosted)
        {
            builder.Services.AddHerenowTelemetry(builder.Configuration, "herenow-silo", scraped: options.AdminPort > 0, metrics: m =>
            {
                if (options.AdminPort > 0) m.AddPrometheusExporter();
            });
        }
        if (options.AdminPort > 0 && !coHosted)
        {
            builder.Services.AddHostedService<SiloAdminServer>();
        }
        var dashboard = DashboardSettings.Enabled(builder.Configuration);

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(ClusterIdentity.From(builder.Configuration).ApplyTo);
            // Failure detection: Herenow's values, overridable from "Herenow:Membership" (ADR 0014).
            silo.Configure<ClusterMembershipOptions>(o => MembershipSettings.Configure(o, builder.Configuration));
            silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort);
            silo.UseHerenowClustering(connectionString);
            silo.UseHerenowStorage(connectionString);
            if (dashboard)
            {
                // The dashboard's grains and profiler live on the silos; its UI is served by the API (docs/observability.md).
                silo.AddDashboard();
            }
        });
        return builder;
    }
}
