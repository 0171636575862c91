using Herenow.Grains.Accounts;

namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary>Follow of a local user: the follower edge, and an Accept at once (accounts are not locked).</summary>
public sealed class FollowHandler(RemoteGraph graph, ActivityDelivery delivery, ActivityRenderer renderer, ApUrls urls, IGrainFactory grains) : IActivityHandler
{
    public string Type => "Follow";

    public async Task ApplyAsync(InboundActivity activity)
    {
        var username = urls.UsernameOf(activity.Json.IdOf("object"));
        var settings = username is null ? null : await grains.GetGrain<IUserGrain>(username).GetSettings();
        if (username is null || settings is null || !settings.ActivityPub || settings.Deleting)
        {
            return; // not one of ours, or a user who does not federate: nothing to accept
        }
        // Both steps are idempotent: an upsert, and an Accept whose id derives from the Follow's (queued once while it waits).
        await graph.AddFollowerAsync(username, activity.Actor.Id, activity.Id);
        await delivery.SendAsync(renderer.Accept(username, activity.Id, activity.Actor.Id), username, [activity.Actor.Inbox]);
    }
}
