using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Herenow.Grains;

public static class HerenowGrainServices
{
    /// <summary>Services the grains depend on: the clock, the application's PostgreSQL data source, and the watch on silo deaths.</summary>
    public static IServiceCollection AddHerenowGrainServices(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddSingleton<Cluster.SiloDeaths>();
        services.AddHostedService(sp => sp.GetRequiredService<Cluster.SiloDeaths>());
        return services;
    }
}
