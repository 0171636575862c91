using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Observability;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Concurrency;

namespace Herenow.Grains.Feeds;

[StatelessWorker]
public sealed partial class FanoutWorkerGrain(NpgsqlDataSource database, TimeProvider clock, ILogger<FanoutWorkerGrain> logger) : Grain, IFanoutWorkerGrain
{
    private const int FollowerBatchSize = 1000;
    private readonly FollowGraph graph = new(database);

    public async Task Deliver(CheckinEvent checkin, Guid dispatchId, IReadOnlyList<string>? followers = null)
    {
        // Every log line of this fan-out (and of the calls it makes from here) names the check-in.
        using var scope = logger.BeginScope(new CheckinScope(checkin.CheckinId));
        try
        {
            var delivery = new FanoutDelivery(this.GetStreamProvider(Streams.StreamNames.Provider), GrainFactory);
            // Followers come with the event when few (the author's grain caches them, ADR 0013), else from the table a
            // page at a time, never all at once.
            await delivery.DeliverAsync(checkin, followers is not null
                ? new[] { followers }.ToAsyncEnumerable()
                : graph.FollowerBatchesAsync(checkin.Author, FollowerBatchSize));
            if (!checkin.Deleted)
            {
                // Repeated dispatches (at-least-once) record again, later: the histogram's tail shows redeliveries too.
                HerenowTelemetry.FanoutLag.Record((clock.GetUtcNow() - checkin.CreatedAt).TotalSeconds);
            }
            // Remote followers are one more consumer of the same outbox event: queued durably, delivered by domain.
            await GrainFactory.GetGrain<Federation.IFederationGrain>(0).Relay(checkin);
            await GrainFactory.GetGrain<IUserGrain>(checkin.Author).FanoutDelivered(checkin.CheckinId, checkin.Deleted, dispatchId);
        }
        catch (Exception e)
        {
            // Nobody awaits a one-way call: log, and leave the event in the author's outbox for the next dispatch.
            LogFailed(logger, e, checkin.CheckinId, checkin.Author);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fan-out of {CheckinId} by {Author} failed; the author's outbox will dispatch it again")]
    private static partial void LogFailed(ILogger logger, Exception error, string checkinId, string author);
}
