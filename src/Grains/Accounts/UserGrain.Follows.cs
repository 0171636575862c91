using Herenow.Grains.Common;

namespace Herenow.Grains.Accounts;

/// <summary>
/// The follow graph. Each edge lives in two grains (the follower's Following, the followee's Followers), so
/// changing it is a small saga: the followee's side first (it alone knows about blocks and may refuse), then ours;
/// if ours cannot be written, the followee's step is compensated.
/// </summary>
public sealed partial class UserGrain
{
    public async Task<FollowOutcome> Follow(string target)
    {
        if (target == Key)
        {
            return FollowOutcome.Self;
        }
        if (state.State.Following.Any(f => f.Username == target))
        {
            return FollowOutcome.Following;
        }
        if (state.State.Blocked.Contains(target))
        {
            return FollowOutcome.Blocked;
        }
        var followee = GrainFactory.GetGrain<IUserGrain>(target);
        if (!(await followee.GetRelationship(Key)).Exists)
        {
            return FollowOutcome.NoSuchAccount;
        }
        if (!await followee.AcceptFollower(Key))
        {
            return FollowOutcome.Blocked;
        }

        var edge = new FollowEdge(TimeOrderedId.New(clock.GetUtcNow()), target);
        state.State.Following.Add(edge);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Following.Remove(edge);
            await followee.RemoveFollower(Key); // compensation
            throw;
        }
        return FollowOutcome.Following;
    }

    public async Task Unfollow(string target)
    {
        if (state.State.Following.RemoveAll(f => f.Username == target) > 0)
        {
            await state.WriteStateAsync();
        }
        await GrainFactory.GetGrain<IUserGrain>(target).RemoveFollower(Key);
    }

    public async Task Block(string target)
    {
        if (target == Key)
        {
            return;
        }
        var changed = state.State.Blocked.Add(target);
        changed |= state.State.Followers.RemoveAll(f => f.Username == target) > 0;
        changed |= state.State.Following.RemoveAll(f => f.Username == target) > 0;
        if (changed)
        {
            await state.WriteStateAsync();
        }
        // Sever the edges on the other side too; both calls are idempotent, so a retry is safe.
        var other = GrainFactory.GetGrain<IUserGrain>(target);
        await other.RemoveFollowing(Key);
        await other.RemoveFollower(Key);
    }

    public async Task Unblock(string target)
    {
        if (state.State.Blocked.Remove(target))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task<bool> AcceptFollower(string follower)
    {
        if (!Exists || state.State.Blocked.Contains(follower))
        {
            return false;
        }
        if (!state.State.Followers.Any(f => f.Username == follower))
        {
            state.State.Followers.Add(new FollowEdge(TimeOrderedId.New(clock.GetUtcNow()), follower));
            await state.WriteStateAsync();
        }
        return true;
    }

    public async Task RemoveFollower(string follower)
    {
        if (state.State.Followers.RemoveAll(f => f.Username == follower) > 0)
        {
            await state.WriteStateAsync();
        }
    }

    public async Task RemoveFollowing(string followee)
    {
        if (state.State.Following.RemoveAll(f => f.Username == followee) > 0)
        {
            await state.WriteStateAsync();
        }
    }

    public Task<List<FollowEdge>> GetFollowers(PageQuery page) =>
        Task.FromResult(page.Apply(Enumerable.Reverse(state.State.Followers), e => e.Id));

    public Task<List<FollowEdge>> GetFollowing(PageQuery page) =>
        Task.FromResult(page.Apply(Enumerable.Reverse(state.State.Following), e => e.Id));
}
