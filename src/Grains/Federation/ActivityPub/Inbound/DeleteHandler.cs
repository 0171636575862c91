using Herenow.Grains.Checkins;

namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary>
/// Delete of one of the actor's notes (it leaves the home feeds), or of the actor itself (all of its notes leave,
/// its follow edges end, its cache entry is marked). Deleting what is already gone changes nothing.
/// </summary>
public sealed class DeleteHandler(RemoteGraph graph, RemoteNotes notes, IGrainFactory grains, TimeProvider clock) : IActivityHandler
{
    public string Type => "Delete";

    public async Task ApplyAsync(InboundActivity activity)
    {
        var signer = activity.Actor;
        var objectId = activity.Json.IdOf("object");
        if (objectId == signer.Id)
        {
            var homes = await graph.LocalFollowersOfAsync(signer.Id);
            foreach (var localId in await notes.ByActorAsync(signer.Id))
            {
                await RemoveNoteAsync(localId, signer, homes);
            }
            await graph.RemoveActorAsync(signer.Id);
            return;
        }
        if (objectId is not null && await notes.LocalIdAsync(objectId, signer.Id) is { } id)
        {
            await RemoveNoteAsync(id, signer, await graph.LocalFollowersOfAsync(signer.Id));
        }
    }

    private async Task RemoveNoteAsync(string localId, RemoteActor author, List<string> homes)
    {
        var checkin = grains.GetGrain<ICheckinGrain>(localId);
        var visibility = (await checkin.Get())?.Visibility ?? Visibility.Public;
        await checkin.MarkDeleted(null); // not ours: nothing to fan out but the homes below
        var deleted = new CheckinEvent(localId, author.Handle, CreateHandler.RemotePlaceId, visibility, clock.GetUtcNow(), Deleted: true);
        await grains.GetGrain<IFederationGrain>(0).DeliverToHomes(deleted, homes);
    }
}
