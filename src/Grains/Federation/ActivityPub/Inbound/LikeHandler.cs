using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;

namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary>Like of a local check-in the liker may see; a like is a row per liker, so a repeat counts once.</summary>
public sealed class LikeHandler(RemoteGraph graph, ApUrls urls, IGrainFactory grains, TimeProvider clock) : IActivityHandler
{
    public string Type => "Like";

    public Task ApplyAsync(InboundActivity activity) => SetAsync(activity.Actor, activity.Json.IdOf("object"), liked: true);

    /// <summary>Sets or clears the actor's like of the check-in at <paramref name="objectId"/> (also Undo(Like)'s).</summary>
    public async Task SetAsync(RemoteActor liker, string? objectId, bool liked)
    {
        if (urls.CheckinOf(objectId) is not var (author, checkinId) || !TimeOrderedId.IsValid(checkinId))
        {
            return;
        }
        var checkin = grains.GetGrain<ICheckinGrain>(checkinId);
        var record = await checkin.Get();
        if (record is null || record.Author != author)
        {
            return;
        }
        // Only what the liker may see, by the one policy: a fediverse actor who may follow the author (remotely).
        var viewer = CheckinVisibility.FederatedViewer(await grains.GetGrain<IUserGrain>(author).GetSettings(),
            followsAuthor: await graph.IsFollowerAsync(author, liker.Id));
        if (CheckinVisibility.Of(record, viewer, clock.GetUtcNow()) == CheckinAccess.Hidden)
        {
            return;
        }
        await checkin.SetLike(liker.Id, liked);
    }
}
