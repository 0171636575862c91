using Herenow.Grains.Checkins;
using Herenow.Grains.Observability;
using Microsoft.Extensions.Logging;

namespace Herenow.Grains.Feeds;

/// <summary>
/// The consumers of one committed check-in event, run by its author's grain off the request (UserGrain.Fanout.cs):
/// every silo's feeds — and through that batch the active places and the global feed's live viewers — then the
/// fediverse relay. Success settles the event in the author's outbox; a failure leaves it there to be sent again:
/// at-least-once delivery, and every consumer dedupes by check-in id.
/// </summary>
public sealed partial class CheckinFanout(
    FeedDispatcher dispatcher, IGrainFactory grains, OutboxClearer clearer, TimeProvider clock, ILogger<CheckinFanout> logger)
{
    /// <summary>True once every consumer has taken the event; false (logged) if one failed.</summary>
    public async Task<bool> DeliverAsync(CheckinEvent checkin)
    {
        try
        {
            // One batch per silo reaches every active feed following the author, whatever their number: an inactive
            // follower costs nothing here, and is rebuilt from the table when next read.
            await dispatcher.PublishAsync(checkin);
            if (!checkin.Deleted)
            {
                // Repeated dispatches (at-least-once) record again, later: the histogram's tail shows redeliveries too.
                HerenowTelemetry.FanoutLag.Record((clock.GetUtcNow() - checkin.CreatedAt).TotalSeconds);
            }
            // Remote followers are one more consumer of the same event: queued durably, delivered by domain. An author
            // known to relay nowhere costs no call.
            if (Federation.FederationGrain.MayRelay(checkin))
            {
                await grains.GetGrain<Federation.IFederationGrain>(0).Relay(checkin);
            }
            return true;
        }
        catch (Exception e)
        {
            LogFailed(logger, e, checkin.CheckinId, checkin.Author);
            return false;
        }
    }

    /// <summary>The event has settled: its row leaves the outbox with others', in the silo's next clear.</summary>
    public void Settled(OutboxClearer.SettledEvent settled) => clearer.Clear(settled);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Fan-out of {CheckinId} by {Author} failed; the author's outbox will dispatch it again")]
    private static partial void LogFailed(ILogger logger, Exception error, string checkinId, string author);
}
