using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Herenow.Grains.Federation.ActivityPub.Inbound;

public static class InboundServices
{
    /// <summary>The silo's side of the inbox: the store, one handler per activity type, the options and the sweeper.</summary>
    public static IServiceCollection AddHerenowInbound(this IServiceCollection services)
    {
        services.TryAddSingleton<InboxStore>();
        services.AddOptions<InboxOptions>().BindConfiguration(InboxOptions.Section)
            .Validate(o => o.IsValid(), "Herenow:Federation:Inbox values must be positive (and MaxDelay at least BaseDelay).")
            .ValidateOnStart();
        Handler<FollowHandler>(services);
        Handler<UndoHandler>(services);
        Handler<LikeHandler>(services);
        Handler<CreateHandler>(services);
        Handler<DeleteHandler>(services);
        Handler<UpdateHandler>(services);
        Handler<AcceptHandler>(services);
        Handler<RejectHandler>(services);
        services.AddSingleton<InboxSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<InboxSweeper>());
        return services;
    }

    // As itself too: Undo(Like) is the Like handler's work.
    private static void Handler<T>(IServiceCollection services) where T : class, IActivityHandler
    {
        services.AddSingleton<T>();
        services.AddSingleton<IActivityHandler>(sp => sp.GetRequiredService<T>());
    }
}
