using System.Diagnostics.Metrics;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Observability;

namespace Herenow.Api.Observability;

/// <summary>
/// herenow.federation.queue.depth: the ActivityPub outbox by state (pending, due, retrying, failed), from
/// <see cref="DeliveryQueue.DepthAsync"/>. A scrape never waits for PostgreSQL: it reads the last counts, and a stale
/// cache (older than <see cref="MaxAge"/>) is refreshed in the background, so scrapes cost at most one query per
/// interval however often or from however many scrapers they come. The API reports it (one process per host is
/// enough for a database-wide number); the silos do not.
/// </summary>
public sealed partial class FederationQueueGauge(IMeterFactory meters, DeliveryQueue queue, ILogger<FederationQueueGauge> logger) : IHostedService
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(15);

    private DeliveryQueueDepth? depth;
    private long refreshedAt; // Environment.TickCount64 of the last read; 0: never
    private int refreshing;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Per host (IMeterFactory), so the gauge goes away with the host that reports it.
        var meter = meters.Create(HerenowTelemetry.Name);
        meter.CreateObservableGauge("herenow.federation.queue.depth", Observe, "{delivery}", "ActivityPub deliveries in the outbox, by state");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private IEnumerable<Measurement<long>> Observe()
    {
        var last = Volatile.Read(ref refreshedAt);
        if ((last == 0 || Environment.TickCount64 - last > MaxAge.TotalMilliseconds) && Interlocked.Exchange(ref refreshing, 1) == 0)
        {
            _ = RefreshAsync();
        }
        if (depth is not { } d)
        {
            yield break; // first scrape after start: nothing measured yet
        }
        yield return new(d.Pending, new KeyValuePair<string, object?>("state", "pending"));
        yield return new(d.Due, new KeyValuePair<string, object?>("state", "due"));
        yield return new(d.Retrying, new KeyValuePair<string, object?>("state", "retrying"));
        yield return new(d.Failed, new KeyValuePair<string, object?>("state", "failed"));
    }

    /// <summary>Loads the counts now (also used by tests to avoid waiting for a second scrape).</summary>
    public async Task RefreshAsync()
    {
        try
        {
            depth = await queue.DepthAsync();
            Volatile.Write(ref refreshedAt, Environment.TickCount64);
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogFailed(logger, e); // the last counts stay; the next scrape tries again
        }
        finally
        {
            Volatile.Write(ref refreshing, 0);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the federation queue depth")]
    private static partial void LogFailed(ILogger logger, Exception error);
}
