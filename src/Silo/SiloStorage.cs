using Herenow.Grains;
using Herenow.Grains.Cluster;
using Herenow.Grains.Database;
using Herenow.Grains.Streams;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.Streams;

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
            o.ConnectionString = DatabaseSettings.Tune(connectionString);
        });

    /// <summary>
    /// Grain state and reminders in PostgreSQL, grain placement, plus the grains' own services.
    /// Shared by the silo host and the test clusters so that tests run exactly this configuration.
    /// </summary>
    public static ISiloBuilder UseHerenowStorage(this ISiloBuilder silo, string connectionString)
    {
        connectionString = DatabaseSettings.Tune(connectionString);
        // Random placement, not Orleans' default (ResourceOptimizedPlacement since 9.2). That director ranks silos by
        // load statistics published once a second and keeps an activation on the receiving silo unless it looks much
        // busier, so a burst of new activations (a restart, a silo leaving, a busy minute) piles onto whichever silo
        // looked emptiest a second ago: in test runs, 300 concurrent registrations on 3 silos put 294 (227, 205) on one.
        // Herenow's silos are alike and its grains small and many, which is where random placement spreads evenly
        // (tests/Herenow.Tests/Cluster/GrainSpreadTests.cs).
        silo.Services.AddSingleton<PlacementStrategy, RandomPlacement>();
        // One grain per silo that reaches that silo's in-memory feeds (Feeds/SiloFeedsGrain.cs).
        silo.Services.AddPlacementDirector<Herenow.Grains.Feeds.SiloBoundPlacement, Herenow.Grains.Feeds.SiloBoundPlacementDirector>();
        // A call that arrives after its caller's deadline is refused unrun (a hung silo's late hand-over; ADR 0014).
        silo.AddIncomingGrainCallFilter<CallDeadlineFilter>();
        // PostgreSQL errors leave grains as a serializable exception that keeps the SQLSTATE (400 vs 503 in the API).
        silo.AddIncomingGrainCallFilter<Herenow.Grains.Database.DatabaseErrorFilter>();
        // W3C trace context through grain calls (in the request context), so one trace follows a check-in from the API
        // through the grains; spans are only made while something listens (an exporter, a test).
        silo.AddActivityPropagation();
        // Grain state in Orleans' binary format (every state type is [GenerateSerializer]), not the provider's default
        // Newtonsoft JSON, which writes $type and $id into every object of every row: smaller rows, and no reflection-
        // driven JSON on each read and write of a hot grain. Rows written by the JSON serializer are not readable by
        // this one; there has been no release that wrote them.
        silo.AddAdoNetGrainStorageAsDefault(options => options.Configure<Serializer>((o, serializer) =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = Invariant;
            o.ConnectionString = connectionString;
        });
        // Every consumer is implicit (the feed grains), so pub-sub is implicit only: no rendezvous grain, and no
        // PubSubStore row, per stream, which with one home stream per user dominated the fan-out cost and was all
        // rewritten after each restart. Live updates use grain observers instead (docs/adr/0011-live-updates.md).
        // Queues are polled every 20 ms (Orleans' default: 100 ms): a check-in reaches the feeds within a poll.
        silo.AddMemoryStreams(StreamNames.Provider, b =>
        {
            b.ConfigureStreamPubSub(StreamPubSubType.ImplicitOnly);
            b.ConfigurePullingAgent(o => o.Configure(a => a.GetQueueMsgsTimerPeriod = TimeSpan.FromMilliseconds(20)));
        });
        silo.Services.AddHerenowGrainServices(connectionString);
        return silo;
    }
}
