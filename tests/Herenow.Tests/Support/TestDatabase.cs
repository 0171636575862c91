using Herenow.Grains.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Herenow.Tests.Support;

/// <summary>
/// A fresh, migrated database on the test PostgreSQL server (scripts/test.sh starts one and sets
/// HERENOW_TEST_POSTGRES to its admin connection string). Dropped on dispose.
/// </summary>
public sealed class TestDatabase : IAsyncDisposable
{
    public const string AdminConnectionVariable = "HERENOW_TEST_POSTGRES";

    private readonly string adminConnectionString;

    private TestDatabase(string adminConnectionString, string name)
    {
        this.adminConnectionString = adminConnectionString;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(adminConnectionString) { Database = name }.ConnectionString;
    }

    public string Name { get; }
    public string ConnectionString { get; }

    public static async Task<TestDatabase> CreateAsync(bool migrate = true)
    {
        var admin = Environment.GetEnvironmentVariable(AdminConnectionVariable)
            ?? throw new InvalidOperationException(
                $"{AdminConnectionVariable} is not set. Run the suite with scripts/test.sh, which starts a throwaway PostgreSQL.");
        var database = new TestDatabase(admin, "t_" + Guid.NewGuid().ToString("N")[..16]);
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        if (migrate)
        {
            await database.MigrateAsync();
        }
        return database;
    }

    public async Task<IReadOnlyList<Migration>> MigrateAsync()
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        return await new Migrator(dataSource, NullLogger<Migrator>.Instance).MigrateAsync();
    }

    public async Task<T?> ScalarAsync<T>(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        var value = await command.ExecuteScalarAsync();
        return value is null or DBNull ? default : (T)Convert.ChangeType(value, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task ExecuteAsync(string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(ConnectionString);
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
