using System.Net;
using Herenow.Grains;
using Herenow.Grains.Feeds;
using Orleans.Configuration;

namespace Herenow.Silo;

public static class SiloHosting
{
    public static HostApplicationBuilder AddHerenowSilo(this HostApplicationBuilder builder, string connectionString)
    {
        var options = builder.Configuration.GetSection(HerenowSiloOptions.Section).Get<HerenowSiloOptions>() ?? new();

        // Graceful shutdown: on SIGTERM or Ctrl-C the silo leaves the membership table as Dead and hands its
        // grains over; allow it the time to do so.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        builder.Services.Configure<FeedOptions>(builder.Configuration.GetSection(FeedOptions.Section));
        builder.Services.Configure<FanoutOptions>(builder.Configuration.GetSection(FanoutOptions.Section));
        builder.Services.AddHostedService<MembershipSettingsLog>();

        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(ClusterIdentity.From(builder.Configuration).ApplyTo);
            // Failure detection: Herenow's values, overridable from "Herenow:Membership" (ADR 0014).
            silo.Configure<ClusterMembershipOptions>(o => MembershipSettings.Configure(o, builder.Configuration));
            silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedAddress), options.SiloPort, options.GatewayPort);
            silo.UseHerenowClustering(connectionString);
            silo.UseHerenowStorage(connectionString);
        });
        return builder;
    }
}
