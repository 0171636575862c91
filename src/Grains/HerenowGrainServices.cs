using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Herenow.Grains;

public static class HerenowGrainServices
{
    /// <summary>Services the grains depend on: the clock and the application's PostgreSQL data source.</summary>
    public static IServiceCollection AddHerenowGrainServices(this IServiceCollection services, string connectionString)
    {
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        return services;
    }
}
