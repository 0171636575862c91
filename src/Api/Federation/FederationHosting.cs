using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Federation.ActivityPub.Inbound;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Herenow.Api.Federation;

public static class FederationHosting
{
    /// <summary>The API's side of ActivityPub: inbox verification and recording (the silos apply), on the shared federation services.</summary>
    public static IServiceCollection AddFederationEndpoints(this IServiceCollection services)
    {
        services.AddSingleton<InboxVerifier>();
        services.TryAddSingleton<InboxStore>(); // co-hosted, the silo registered it already
        services.AddSingleton<RemoteAccounts>();
        services.AddSingleton<AtprotoLinking>();
        services.AddHostedService<FederationStartupLog>();
        services.AddSingleton<FederationCleanup>();
        services.AddHostedService(sp => sp.GetRequiredService<FederationCleanup>());
        return services;
    }

    public static void MapFederationEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapWellKnownEndpoints();
        app.MapActorEndpoints();
        app.MapInboxEndpoints();
        app.MapFederationStatusEndpoints();
    }
}

/// <summary>Says at start whether this node federates and as which origin: a wrong origin breaks every remote id.</summary>
public sealed partial class FederationStartupLog(FederationOptions options, ILogger<FederationStartupLog> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Active)
        {
            LogActive(logger, options.PublicUrl, options.AllowPrivateNetworks);
        }
        else
        {
            LogInactive(logger, options.PublicUrl);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "ActivityPub federation on as {PublicUrl} (private networks allowed: {AllowPrivate})")]
    private static partial void LogActive(ILogger logger, Uri publicUrl, bool allowPrivate);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ActivityPub federation off: the public URL {PublicUrl} is plain http (set Herenow:Federation:PublicUrl to https, or AllowPrivateNetworks for local peers)")]
    private static partial void LogInactive(ILogger logger, Uri publicUrl);
}
