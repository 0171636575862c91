using Herenow.Grains.Sessions;

namespace Herenow.Grains.Accounts;

/// <summary>
/// This user's side of the account-deletion saga (Deletion/AccountDeletionGrain.cs): each call is one idempotent step
/// or part of one, so the saga may repeat any of them after a crash.
/// </summary>
public sealed partial class UserGrain
{
    public Task<AccountDeletionInfo?> GetDeletion() => Task.FromResult(
        state.State.DeletionRequestedAt is { } requested || state.State.DeletedAt is not null
            ? new AccountDeletionInfo(state.State.Id, state.State.DeletionRequestedAt ?? state.State.DeletedAt!.Value,
                state.State.DeletedAt, state.State.NameReservedUntil)
            : null);

    public async Task SessionOpened(string tokenHash)
    {
        if (Exists && state.State.Sessions.Add(tokenHash))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task SessionClosed(string tokenHash)
    {
        if (state.State.Sessions.Remove(tokenHash))
        {
            await state.WriteStateAsync();
        }
    }

    public async Task LockForDeletion(DateTimeOffset requestedAt)
    {
        if (state.State.Id is null || state.State.DeletionRequestedAt is not null)
        {
            return;
        }
        state.State.DeletionRequestedAt = requestedAt;
        await state.WriteStateAsync();
        edges = null;
        await caches.InvalidateAsync(new(Account: Key)); // gone from every cached page from the next read
    }

    public async Task RevokeSessions()
    {
        await Task.WhenAll(state.State.Sessions.Select(hash => GrainFactory.GetGrain<ISessionGrain>(hash).Revoke()));
        state.State.Sessions.Clear();
        await state.WriteStateAsync();
    }

    /// <summary>Deletes up to <paramref name="count"/> check-ins, newest first, each as a single delete does; returns how many are left.</summary>
    public async Task<int> DeleteCheckins(int count)
    {
        foreach (var id in await checkins.NewestIdsAsync(Key, count))
        {
            await DeleteCheckin(id);
        }
        return (await Mine()).Counts.Values.Sum();
    }

    /// <summary>Nothing of this author waits in the outbox: not here, and not in the table (an earlier activation's).</summary>
    public async Task<bool> IsFanoutSettled() => pendingFanout.Count == 0 && !await checkins.HasOutboxAsync(Key);

    /// <summary>Removes every follow edge to and from this account (rows, and the other side's cached view).</summary>
    public async Task SeverAllFollows()
    {
        var (followers, following) = await graph.LoadAsync(Key);
        foreach (var follower in followers)
        {
            await graph.RemoveAsync(Key, follower);
            await GrainFactory.GetGrain<IUserGrain>(follower).RemoveFollowing(Key);
        }
        foreach (var followee in following)
        {
            await GrainFactory.GetGrain<IUserGrain>(followee).RemoveFollower(Key);
        }
        edges = null;
    }

    /// <summary>The last step: nothing of the account is kept but its name, when it went and how long the name is reserved.</summary>
    public async Task Tombstone(DateTimeOffset deletedAt, DateTimeOffset nameReservedUntil)
    {
        if (state.State.DeletedAt is not null)
        {
            return;
        }
        state.State = new UserState
        {
            Username = state.State.Username,
            DeletedAt = deletedAt,
            NameReservedUntil = nameReservedUntil,
        };
        await state.WriteStateAsync();
        edges = null;
        mine = null;
    }
}

/// <summary>A deleted (or being deleted) account; <see cref="AccountId"/> is null once only the tombstone is left.</summary>
[GenerateSerializer, Alias("herenow.account-deletion-info")]
public sealed record AccountDeletionInfo(
    [property: Id(0)] string? AccountId,
    [property: Id(1)] DateTimeOffset RequestedAt,
    [property: Id(2)] DateTimeOffset? DeletedAt,
    [property: Id(3)] DateTimeOffset? NameReservedUntil);

/// <summary>A write reached an account that no longer exists (deleted, or being deleted); the API answers 410.</summary>
[GenerateSerializer, Alias("herenow.account-gone")]
public sealed class AccountGoneException(string username) : Exception($"The account '{username}' no longer exists.");
