using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Herenow.Grains.Database;

public static class DatabaseSettings
{
    /// <summary>Environment variable (and configuration key) holding the PostgreSQL connection string.</summary>
    public const string ConnectionStringKey = "HERENOW_POSTGRES";

    public static string GetConnectionString(IConfiguration configuration) =>
        configuration[ConnectionStringKey] is { Length: > 0 } cs
            ? cs
            : throw new InvalidOperationException(
                $"{ConnectionStringKey} is not set: give it a PostgreSQL connection string " +
                "(scripts/run.sh sets it for a local throwaway server).");

    /// <summary>Fails with one clear message when the database has not been migrated to what this build expects.</summary>
    public static async Task EnsureSchemaCurrentAsync(string connectionString, CancellationToken ct = default)
    {
        var expected = Migrator.All[^1].Version;
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(
            "SELECT COALESCE(MAX(version), 0) FROM herenow_schema_migrations");
        int actual;
        try
        {
            actual = Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            actual = 0;
        }
        if (actual < expected)
        {
            throw new InvalidOperationException(
                $"The database schema is at version {actual} but this build needs {expected}: run the 'migrate' verb " +
                "(dotnet src/Silo/bin/.../Herenow.Silo.dll migrate, or scripts/migrate.sh).");
        }
    }
}
