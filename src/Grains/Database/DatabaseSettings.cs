using System.Data.Common;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Herenow.Grains.Database;

public static class DatabaseSettings
{
    /// <summary>Environment variable (and configuration key) holding the PostgreSQL connection string.</summary>
    public const string ConnectionStringKey = "HERENOW_POSTGRES";

    /// <summary>
    /// Npgsql prepares a statement once it has run <see cref="AutoPrepareMinUsages"/> times on a connection, and keeps
    /// up to this many prepared per connection. Herenow's SQL is a few dozen fixed texts (Orleans' storage, reminder and
    /// membership queries, the grains' and the API's own), so 128 holds all of them with room to spare.
    /// </summary>
    public const int MaxAutoPrepare = 128;

    /// <summary>Runs of one statement on one connection before it is prepared (Npgsql's default is 5).</summary>
    public const int AutoPrepareMinUsages = 2;

    /// <summary>
    /// Connections per pool (Npgsql's default is 100). A process opens two pools (Orleans' providers and its own
    /// data source). 50 is above a silo's 32 concurrent feed writes with room for the storage, reminder and membership
    /// queries beside them, and (3 silos + 1 API) × 2 pools × 50 = 400 is the max_connections that
    /// scripts/lib/postgres.sh gives PostgreSQL; with 100, eight pools could ask for 800. Connections beyond a few per
    /// database core add no throughput: a request waiting in Npgsql's pool queue is cheaper than one more backend.
    /// </summary>
    public const int MaxPoolSize = 50;

    /// <summary>The connection string from <see cref="ConnectionStringKey"/>, tuned (<see cref="Tune"/>).</summary>
    public static string GetConnectionString(IConfiguration configuration) =>
        configuration[ConnectionStringKey] is { Length: > 0 } cs
            ? Tune(cs)
            : throw new InvalidOperationException(
                $"{ConnectionStringKey} is not set: give it a PostgreSQL connection string " +
                "(scripts/run.sh sets it for a local throwaway server).");

    /// <summary>
    /// The one place every connection string the project uses is tuned: the silo's and the API's data sources and
    /// the strings handed to Orleans' clustering, persistence and reminder providers. Adds auto-prepare
    /// (<see cref="MaxAutoPrepare"/>, <see cref="AutoPrepareMinUsages"/>), no reset on returning a connection to the
    /// pool, and a pool bound (<see cref="MaxPoolSize"/>)
    /// unless the string already names them (under any of Npgsql's spellings): what an operator set wins. Idempotent.
    /// </summary>
    public static string Tune(string connectionString)
    {
        // The generic builder keeps the keywords as written, so an explicit value (even Npgsql's default) is seen.
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        var named = given.Keys.Cast<string>().Select(Normalize).ToHashSet(StringComparer.Ordinal);
        var tuned = new NpgsqlConnectionStringBuilder(connectionString);
        if (!named.Contains("MAXAUTOPREPARE"))
        {
            tuned.MaxAutoPrepare = MaxAutoPrepare;
        }
        if (!named.Contains("AUTOPREPAREMINUSAGES"))
        {
            tuned.AutoPrepareMinUsages = AutoPrepareMinUsages;
        }
        if (!named.Contains("NORESETONCLOSE"))
        {
            // Without it every connection taken from the pool first runs DISCARD ALL: one more statement and one more
            // transaction per query (the most frequent statement in the bench). Nothing here leaves session state
            // behind: no SET, no temporary tables, session advisory locks are released explicitly.
            tuned.NoResetOnClose = true;
        }
        if (!named.Contains("MAXPOOLSIZE") && !named.Contains("MAXIMUMPOOLSIZE"))
        {
            tuned.MaxPoolSize = Math.Max(MaxPoolSize, tuned.MinPoolSize);
        }
        return tuned.ConnectionString;
    }

    private static string Normalize(string keyword) =>
        keyword.Replace(" ", "", StringComparison.Ordinal).ToUpperInvariant();

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
