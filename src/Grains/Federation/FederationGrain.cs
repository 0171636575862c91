using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Federation.Atproto;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Herenow.Grains.Observability;
using Herenow.Grains.Feeds;
using Herenow.Grains.Streams;
using Orleans.Concurrency;
using Npgsql;
using Orleans.Streams;

namespace Herenow.Grains.Federation;

[StatelessWorker]
public sealed class FederationGrain(
    NpgsqlDataSource database,
    ActivityRenderer renderer,
    ActivityDelivery delivery,
    AtprotoAccounts atproto,
    IOptions<FederationOptions> options,
    FeedDispatcher dispatcher,
    ILogger<FederationGrain> logger) : Grain, IFederationGrain
{
    /// <summary>
    /// False when the event certainly goes nowhere: private, or an author whose grain said it relays to neither protocol
    /// (deletes still go out: copies sent while federation was on should go too). Lets the fan-out skip the call.
    /// </summary>
    public static bool MayRelay(CheckinEvent checkin) =>
        checkin.Visibility != Visibility.Private
        && (checkin.Relay is not { } relay || checkin.Deleted || relay.ActivityPub || (relay.Atproto && checkin.Visibility == Visibility.Public));

    public Task DeliverToHomes(CheckinEvent checkin, List<string> homes) => dispatcher.PublishToAsync(checkin, homes);

    public async Task Relay(CheckinEvent checkin)
    {
        using var scope = logger.BeginScope(new CheckinScope(checkin.CheckinId));
        // Private check-ins never leave their author.
        if (checkin.Visibility == Visibility.Private)
        {
            return;
        }
        // What both protocols need, in one round trip (one batch, one implicit transaction): the author's remote
        // inboxes, and the AT Protocol job (queued if the author linked an account; everything in an AT Protocol
        // repository is public, so only public check-ins go there).
        var toActivityPub = await RelaysToActivityPub(checkin);
        // Not linked (as the author's grain knew it): nothing to queue, and no statement to learn that.
        var toAtproto = checkin.Visibility == Visibility.Public && checkin.Relay?.Atproto != false;
        if (!toActivityPub && !toAtproto)
        {
            return;
        }
        await using var batch = database.CreateBatch();
        if (toActivityPub)
        {
            batch.BatchCommands.Add(RemoteGraph.FollowerInboxesCommand(checkin.Author));
        }
        if (toAtproto)
        {
            batch.BatchCommands.Add(atproto.EnqueueCommand(checkin.Author, checkin.CheckinId, checkin.Deleted));
        }
        List<string> inboxes = [];
        var linked = false;
        await using (var reader = await batch.ExecuteReaderAsync())
        {
            if (toActivityPub)
            {
                inboxes = await RemoteGraph.ReadInboxesAsync(reader);
                await reader.NextResultAsync();
            }
            if (toAtproto && await reader.ReadAsync())
            {
                linked = reader.GetBoolean(0);
            }
        }
        if (inboxes.Count > 0)
        {
            await SendToActivityPub(checkin, inboxes);
        }
        if (linked)
        {
            await GrainFactory.GetGrain<IAtprotoAccountGrain>(checkin.Author).Wake();
        }
    }

    /// <summary>Whether this node federates and the author's settings let this event go to ActivityPub.</summary>
    private async Task<bool> RelaysToActivityPub(CheckinEvent checkin)
    {
        if (!options.Value.Active)
        {
            return false; // this node does not federate (see FederationOptions.Active)
        }
        // A delete is sent even if federation was switched off since: the copies out there should go too.
        if (checkin.Relay is { } relay)
        {
            return relay.ActivityPub || checkin.Deleted; // the author's grain said so when it dispatched
        }
        var settings = await GrainFactory.GetGrain<IUserGrain>(checkin.Author).GetSettings();
        return settings is not null && (settings.ActivityPub || checkin.Deleted);
    }

    private async Task SendToActivityPub(CheckinEvent checkin, List<string> inboxes)
    {
        if (checkin.Deleted)
        {
            await delivery.SendAsync(renderer.Delete(checkin.Author, checkin.CheckinId, checkin.Visibility), checkin.Author, inboxes);
            return;
        }
        if (await GrainFactory.GetGrain<ICheckinGrain>(checkin.CheckinId).Get() is { } record)
        {
            await delivery.SendAsync(renderer.Create(record), checkin.Author, inboxes);
        }
    }
}
