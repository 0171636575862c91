using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Streams;

namespace Herenow.Grains.Feeds;

[StatelessWorker]
public sealed partial class FanoutWorkerGrain(
    FeedDispatcher dispatcher, TimeProvider clock, IOptions<FanoutOptions> options, ILogger<FanoutWorkerGrain> logger) : Grain, IFanoutWorkerGrain
{
    public async Task Deliver(CheckinEvent checkin, Guid dispatchId)
    {
        // Every log line of this fan-out (and of the calls it makes from here) names the check-in.
        using var scope = logger.BeginScope(new CheckinScope(checkin.CheckinId));
        // A lease, not a deadline: while this runs (a slow place, a slow federation queue) it renews its dispatch at a
        // third of RedispatchAfter, so the author re-sends only a fan-out that stopped, never one that is working.
        var author = GrainFactory.GetGrain<IUserGrain>(checkin.Author);
        using var renewal = this.RegisterGrainTimer(() => author.FanoutRunning(checkin.CheckinId, checkin.Deleted, dispatchId),
            new GrainTimerCreationOptions(options.Value.RedispatchAfter / 3, options.Value.RedispatchAfter / 3) { Interleave = true });
        try
        {
            // One batch per silo reaches every active feed following the author, whatever their number: an inactive
            // follower costs nothing here, and is rebuilt from the table when next read.
            await dispatcher.PublishAsync(checkin);
            if (checkin.Visibility == Visibility.Public)
            {
                await this.GetStreamProvider(Streams.StreamNames.Provider)
                    .GetStream<CheckinEvent>(StreamId.Create(FeedStreams.Global, GlobalFeed.ShardOf(checkin.CheckinId)))
                    .OnNextAsync(checkin);
            }
            // The place, if its grain is active, hears of it from the same per-silo batch (SiloFeedsGrain).
            if (!checkin.Deleted)
            {
                // Repeated dispatches (at-least-once) record again, later: the histogram's tail shows redeliveries too.
                HerenowTelemetry.FanoutLag.Record((clock.GetUtcNow() - checkin.CreatedAt).TotalSeconds);
            }
            // Remote followers are one more consumer of the same outbox event: queued durably, delivered by domain.
            await GrainFactory.GetGrain<Federation.IFederationGrain>(0).Relay(checkin);
            await author.FanoutDelivered(checkin.CheckinId, checkin.Deleted, dispatchId);
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
