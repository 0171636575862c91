using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Federation.ActivityPub;
using Microsoft.Extensions.Options;
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
    IOptions<FederationOptions> options) : Grain, IFederationGrain
{
    public async Task DeliverToHomes(CheckinEvent checkin, List<string> homes)
    {
        var streams = this.GetStreamProvider(StreamNames.Provider);
        await Task.WhenAll(homes.Select(home => streams.GetStream<CheckinEvent>(StreamId.Create(FeedStreams.Home, home)).OnNextAsync(checkin)));
    }

    public async Task Relay(CheckinEvent checkin)
    {
        // Private check-ins never leave their author; nor does anything when this node does not federate.
        if (!options.Value.Active || checkin.Visibility == Visibility.Private)
        {
            return;
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
