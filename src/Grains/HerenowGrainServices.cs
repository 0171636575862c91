using Herenow.Grains.Checkins;
using Herenow.Grains.Federation;
using Herenow.Grains.Federation.ActivityPub.Inbound;
using Herenow.Grains.Feeds;
using Herenow.Grains.Places;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Herenow.Grains;

public static class HerenowGrainServices
{
    /// <summary>Services the grains depend on: the clock, the application's PostgreSQL data source, the watch on silo deaths, and federation.</summary>
    public static IServiceCollection AddHerenowGrainServices(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => NpgsqlDataSource.Create(Database.DatabaseSettings.Tune(connectionString)));
        // Place details from memory (Places.PlaceCache; the places table is the source of truth).
        services.AddPlaceCache();
        services.AddSingleton<Places.LocalPlaces>();
        services.AddSingleton<Cluster.SiloDeaths>();
        services.AddHostedService(sp => sp.GetRequiredService<Cluster.SiloDeaths>());
        services.AddHerenowCheckins();
        services.AddHerenowFeeds();
        services.AddHerenowFederation();
        services.AddHerenowInbound();
        services.AddOptions<Accounts.Deletion.AccountDeletionOptions>().BindConfiguration(Accounts.Deletion.AccountDeletionOptions.Section);
        services.AddSingleton<Accounts.Deletion.AccountErasure>();
        return services;
    }
}
