using Herenow.Grains.Common;
using Herenow.Grains.Feeds;

namespace Herenow.Grains.Accounts;

/// <summary>
/// The follow graph. An edge is one row of the <c>follows</c> table (<see cref="FollowGraph"/>), so making or removing
/// it is one statement: acknowledged = committed. The followee's grain decides (it holds the blocks) and writes the
/// row; the follower's grain then updates its cached view. Each grain caches, in memory only, who follows it (for
/// relationship checks and the count) and whom it follows (for the count), loaded from the table on first need and
/// kept current by the calls below. The persisted state holds no edges. See docs/adr/0013-follow-graph-table.md.
/// </summary>
public sealed partial class UserGrain
{
    private Task<(HashSet<string> Followers, HashSet<string> Following)>? edges;

    private Task<(HashSet<string> Followers, HashSet<string> Following)> Edges()
    {
        if (!Exists)
        {
            // No account, no edges; not cached, so a Register in this activation starts clean.
            return Task.FromResult<(HashSet<string>, HashSet<string>)>(([], []));
        }
        // One load shared by every caller: interleaved calls must not each load and overwrite the other's sets.
        if (edges is null || edges.IsFaulted || edges.IsCanceled)
        {
            edges = graph.LoadAsync(Key);
        }
        return edges;
    }

    public async Task<FollowOutcome> Follow(string target)
    {
        if (target == Key)
        {
            return FollowOutcome.Self;
        }
        if (state.State.Blocked.Contains(target))
        {
            return FollowOutcome.Blocked;
        }
        // Asked every time, even if our cache says we follow: the followee's answer is the truth (a block may have
        // removed the edge while our cache missed it), and accepting again is a no-op.
        var followee = GrainFactory.GetGrain<IUserGrain>(target);
        if (!(await followee.GetRelationship(Key)).Exists)
        {
            return FollowOutcome.NoSuchAccount;
        }
        if (!await followee.AcceptFollower(Key))
        {
            (await Edges()).Following.Remove(target);
            return FollowOutcome.Blocked;
        }
        (await Edges()).Following.Add(target);
        await FollowingChanged(target, following: true);
        return FollowOutcome.Following;
    }

    public async Task Unfollow(string target)
    {
        // The followee deletes the row and updates its own cache; then ours.
        await GrainFactory.GetGrain<IUserGrain>(target).RemoveFollower(Key);
        (await Edges()).Following.Remove(target);
        await FollowingChanged(target, following: false);
    }

    /// <summary>
    /// Order: (1) Blocked is written to our state, (2) one DELETE removes both edges, (3) both grains' caches forget
    /// them. A crash after (1) leaves a block that already refuses follows (AcceptFollower reads Blocked) and already
    /// hides us (Relationship.BlocksViewer), with edges still in the table; a crash after (2) leaves the other grain's
    /// cache stale until it reactivates. Every step is idempotent, so re-issuing Block completes it.
    /// </summary>
    public async Task Block(string target)
    {
        if (target == Key)
        {
            return;
        }
        if (state.State.Blocked.Add(target))
        {
            await state.WriteStateAsync();
        }
        await graph.SeverAsync(Key, target);
        var edges = await Edges();
        edges.Followers.Remove(target);
        edges.Following.Remove(target);
        var other = GrainFactory.GetGrain<IUserGrain>(target);
        await other.RemoveFollowing(Key);
        await other.RemoveFollower(Key);
        await FollowingChanged(target, following: false);
    }

    public async Task Unblock(string target)
    {
        if (state.State.Blocked.Remove(target))
        {
            await state.WriteStateAsync();
            await caches.InvalidateAsync(new(Account: Key));
        }
    }

    public async Task<bool> AcceptFollower(string follower)
    {
        if (!Exists || state.State.Blocked.Contains(follower))
        {
            return false;
        }
        var edges = await Edges();
        if (!edges.Followers.Contains(follower))
        {
            await graph.AddAsync(Key, follower, clock.GetUtcNow());
            edges.Followers.Add(follower);
        }
        return true;
    }

    public async Task RemoveFollower(string follower)
    {
        // Unconditional: the DELETE is idempotent, and our cache is not the judge of what the table holds.
        await graph.RemoveAsync(Key, follower);
        (await Edges()).Followers.Remove(follower);
    }

    /// <summary>Called by <paramref name="followee"/> after it removed the edge: only our cached view changes.</summary>
    public async Task RemoveFollowing(string followee)
    {
        (await Edges()).Following.Remove(followee);
        await FollowingChanged(followee, following: false);
    }

    /// <summary>
    /// Our home feed and every silo's cached relationships learn of the change before it is acknowledged: an unfollow
    /// or a block hides the other's check-ins from the next read, a follow merges theirs in.
    /// </summary>
    private async Task FollowingChanged(string other, bool following)
    {
        var feed = GrainFactory.GetGrain<IFeedGrain>(Key);
        await (following ? feed.Followed(other) : feed.Unfollowed(other));
        await caches.InvalidateAsync(new(Account: Key));
    }

    public Task<List<FollowEdge>> GetFollowers(PageQuery page) => graph.FollowersPageAsync(Key, page);

    public Task<List<FollowEdge>> GetFollowing(PageQuery page) => graph.FollowingPageAsync(Key, page);
}
