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
using Orleans.Streams;

namespace Herenow.Grains.Federation;

[StatelessWorker]
public sealed class FederationGrain(
    RemoteGraph graph,
    ActivityRenderer renderer,
    Outbox outbox,
    AtprotoAccounts atproto,
    IOptions<FederationOptions> options,
    ILogger<FederationGrain> logger) : Grain, IFederationGrain
{
    public async Task DeliverToHomes(CheckinEvent checkin, List<string> homes)
    {
        var streams = this.GetStreamProvider(StreamNames.Provider);
        await Task.WhenAll(homes.Select(home => streams.GetStream<CheckinEvent>(StreamId.Create(FeedStreams.Home, home)).OnNextAsync(checkin)));
    }

    public async Task Relay(CheckinEvent checkin)
    {
        using var scope = logger.BeginScope(new CheckinScope(checkin.CheckinId));
        // Private check-ins never leave their author.
        if (checkin.Visibility == Visibility.Private)
        {
            return;
        }
        await RelayToActivityPub(checkin);
        // Everything in an AT Protocol repository is public: only public check-ins go there.
        if (checkin.Visibility == Visibility.Public && await atproto.EnqueueAsync(checkin.Author, checkin.CheckinId, checkin.Deleted))
        {
            await GrainFactory.GetGrain<IAtprotoAccountGrain>(checkin.Author).Wake();
        }
    }

    private async Task RelayToActivityPub(CheckinEvent checkin)
    {
        if (!options.Value.Active)
        {
            return; // this node does not federate (see FederationOptions.Active)
        }
        var settings = await GrainFactory.GetGrain<IUserGrain>(checkin.Author).GetSettings();
        // A delete is sent even if federation was switched off since: the copies out there should go too.
        if (settings is null || (!settings.ActivityPub && !checkin.Deleted))
        {
            return;
        }
        var inboxes = await graph.FollowerInboxesAsync(checkin.Author);
        if (inboxes.Count == 0)
        {
            return;
        }
        if (checkin.Deleted)
        {
            await outbox.SendAsync(renderer.Delete(checkin.Author, checkin.CheckinId, checkin.Visibility), checkin.Author, inboxes);
            return;
        }
        if (await GrainFactory.GetGrain<ICheckinGrain>(checkin.CheckinId).Get() is { } record)
        {
            await outbox.SendAsync(renderer.Create(record), checkin.Author, inboxes);
        }
    }
}
