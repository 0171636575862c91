using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Grains.Checkins;

public static class CheckinServices
{
    /// <summary>The check-in table's store, the silo's group-commit writer and its outbox clearer and sweeper.</summary>
    public static IServiceCollection AddHerenowCheckins(this IServiceCollection services)
    {
        services.AddSingleton<CheckinStore>();
        services.AddOptions<CheckinWriterOptions>().BindConfiguration(CheckinWriterOptions.Section);
        services.AddSingleton<CheckinWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<CheckinWriter>());
        services.AddOptions<FanoutClearOptions>().BindConfiguration(FanoutClearOptions.Section);
        services.AddSingleton<OutboxClearer>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxClearer>());
        services.AddSingleton<OutboxSweeper>();
        services.AddHostedService(sp => sp.GetRequiredService<OutboxSweeper>());
        return services;
    }
}
