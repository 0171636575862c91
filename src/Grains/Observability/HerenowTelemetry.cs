using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Herenow.Grains.Observability;

/// <summary>
/// Herenow's own meter and activity source, process-wide statics so that grains, the API and tests record into the
/// same instruments whichever host they run in; the OpenTelemetry SDK (or a test's listener) subscribes by name.
/// Instruments cost next to nothing while nobody listens.
/// </summary>
public static class HerenowTelemetry
{
    public const string Name = "Herenow";

    public static readonly Meter Meter = new(Name, "1.0");
    public static readonly ActivitySource Source = new(Name, "1.0");

    /// <summary>Check-ins committed (the 201 of POST /api/v1/checkins).</summary>
    public static readonly Counter<long> CheckinsCreated = Meter.CreateCounter<long>(
        "herenow.checkins.created", "{checkin}", "Check-ins committed");

    /// <summary>From a check-in's creation to every home feed, the global shard and the place having been handed it.</summary>
    public static readonly Histogram<double> FanoutLag = Meter.CreateHistogram<double>(
        "herenow.fanout.lag", "s", "Seconds from a check-in's creation until its fan-out was handed to every feed",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    /// <summary>Check-in rows per group commit (Checkins/CheckinWriter.cs): how many requests shared one transaction.</summary>
    public static readonly Histogram<int> CheckinCommitBatch = Meter.CreateHistogram<int>(
        "herenow.checkins.commit_batch", "{checkin}", "Check-in rows committed together in one transaction",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });

    /// <summary>ActivityPub deliveries settled, tagged outcome = delivered | retried | given_up.</summary>
    public static readonly Counter<long> FederationDeliveries = Meter.CreateCounter<long>(
        "herenow.federation.deliveries", "{delivery}", "ActivityPub delivery attempts by outcome");

    public static void RecordDelivery(string outcome) =>
        FederationDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
}
