namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary>Update of the actor itself: its cached document is fetched again (new name, key, inbox). Notes are not edited.</summary>
public sealed class UpdateHandler(RemoteActors actors) : IActivityHandler
{
    public string Type => "Update";

    public async Task ApplyAsync(InboundActivity activity)
    {
        if (activity.Json.IdOf("object") == activity.Actor.Id)
        {
            await actors.GetAsync(activity.Actor.Id, refresh: true);
        }
    }
}
