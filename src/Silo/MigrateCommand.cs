using Herenow.Grains.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Herenow.Silo;

/// <summary><c>Herenow.Silo migrate</c>: applies pending migrations to the database in HERENOW_POSTGRES and exits.</summary>
public static class MigrateCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        var configuration = new ConfigurationBuilder().AddEnvironmentVariables().AddCommandLine(args).Build();
        string connectionString;
        try
        {
            connectionString = DatabaseSettings.GetConnectionString(configuration);
        }
        catch (InvalidOperationException e)
        {
            await Console.Error.WriteLineAsync($"migrate: {e.Message}");
            return 2;
        }

        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var applied = await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
            foreach (var m in applied)
            {
                Console.WriteLine($"migrate: applied {m.Version:D4}_{m.Name}");
            }
            Console.WriteLine($"migrate: schema at version {Migrator.All[^1].Version} ({applied.Count} applied now)");
            return 0;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            await Console.Error.WriteLineAsync($"migrate: failed: {e.Message}");
            return 1;
        }
    }
}
