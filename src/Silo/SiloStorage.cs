using Herenow.Grains;
using Herenow.Grains.Streams;

namespace Herenow.Silo;

public static class SiloStorage
{
    /// <summary>The ADO.NET invariant for PostgreSQL. Orleans' storage default is SQL Server, so every provider names it.</summary>
    public const string Invariant = "Npgsql";

    /// <summary>
    /// Membership through Orleans' ADO.NET clustering: silos gossip, probe each other, vote on suspects and
    /// record the outcome in the versioned membership table; clients read gateways from it.
    /// </summary>
    public static ISiloBuilder UseHerenowClustering(this ISiloBuilder silo, string connectionString) =>
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });

    /// <summary>
    /// Grain state, stream subscriptions and reminders in PostgreSQL, plus the grains' own services.
    /// Shared by the silo host and the test clusters so that tests run exactly this configuration.
    /// </summary>
    public static ISiloBuilder UseHerenowStorage(this ISiloBuilder silo, string connectionString)
    {
        silo.AddAdoNetGrainStorageAsDefault(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        // Stream subscriptions must survive a silo restart, so the pub-sub store is durable even though the
        // stream transport itself is in memory (see docs/adr/0004-fan-out-over-streams.md).
        silo.AddAdoNetGrainStorage(StreamNames.PubSubStore, o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        silo.AddMemoryStreams(StreamNames.Provider);
        silo.Services.AddHerenowGrainServices(connectionString);
        return silo;
    }
}
