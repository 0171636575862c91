using Herenow.Api.Accounts;
using Herenow.Grains.Accounts;
using Herenow.Grains.Common;
using Herenow.Grains.Federation.ActivityPub;

namespace Herenow.Api.Federation;

/// <summary>
/// Fediverse accounts in the REST API, named <c>user@domain</c> where a local username would go: following and
/// unfollowing them (WebFinger, the actor, then a Follow through the durable outbox) and showing them as authors.
/// </summary>
public sealed class RemoteAccounts(RemoteActors actors, RemoteGraph graph, ActivityDelivery delivery, ActivityRenderer renderer, ApUrls urls,
    FederationOptions options, TimeProvider clock)
{
    /// <summary>Local usernames never contain '@' (a-z, 0-9, _), so the name alone tells the two apart.</summary>
    public static bool IsRemote(string name) => name.Contains('@');

    /// <summary>The cached actor, else WebFinger and a fetch; null when it cannot be found or federation is off.</summary>
    public async Task<RemoteActor?> FindAsync(string handle, CancellationToken cancellationToken = default)
    {
        if (!options.Active)
        {
            return null;
        }
        return await graph.ActorByHandleAsync(handle.TrimStart('@')) ?? await actors.ByHandleAsync(handle.TrimStart('@'), cancellationToken);
    }

    /// <summary>Follows the actor; false when it is not known. Repeating it re-sends the same Follow (same id).</summary>
    public async Task<RemoteActor?> FollowAsync(string caller, string handle, CancellationToken cancellationToken)
    {
        if (await FindAsync(handle, cancellationToken) is not { } actor)
        {
            return null;
        }
        var followId = await graph.AddFollowingAsync(caller, actor.Id, urls.Follow(caller, TimeOrderedId.New(clock.GetUtcNow())));
        await delivery.SendAsync(renderer.Follow(caller, followId, actor.Id), caller, [actor.Inbox]);
        return actor;
    }

    public async Task<bool> UnfollowAsync(string caller, string handle, CancellationToken cancellationToken)
    {
        if (await FindAsync(handle, cancellationToken) is not { } actor)
        {
            return false;
        }
        if (await graph.RemoveFollowingAsync(caller, actor.Id) is { } removed)
        {
            await delivery.SendAsync(renderer.Undo(caller, renderer.Follow(caller, removed.FollowId, actor.Id)), caller, [actor.Inbox]);
        }
        return true;
    }

    /// <summary>How a viewer relates to a remote author: they see followers-only posts only if they follow them.</summary>
    public async Task<Relationship> RelationshipAsync(string handle, string? viewer)
    {
        var actor = await graph.ActorByHandleAsync(handle);
        var follows = actor is not null && viewer is not null && await graph.FollowingStateAsync(viewer, actor.Id) is not null;
        return new Relationship(actor is not null, follows, BlocksViewer: false, IsSelf: false);
    }

    public async Task<AccountResponse?> ViewAsync(string handle)
    {
        var actor = await graph.ActorByHandleAsync(handle);
        return actor is null ? null : View(actor);
    }

    public static AccountResponse View(RemoteActor actor) =>
        new(actor.Id, actor.Handle, actor.DisplayName ?? actor.Handle, "", null, 0, 0, 0) { Url = actor.Url ?? actor.Id };
}
