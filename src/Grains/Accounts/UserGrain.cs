using Herenow.Grains.Common;

namespace Herenow.Grains.Accounts;

public sealed class UserGrain(
    [PersistentState("user")] IPersistentState<UserState> state,
    TimeProvider clock) : Grain, IUserGrain
{
    public async Task<AccountView?> Register(NewAccount account)
    {
        if (state.State.Id is not null)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        state.State.Id = TimeOrderedId.New(now);
        state.State.Username = account.Username;
        state.State.DisplayName = account.DisplayName;
        state.State.PasswordHash = account.PasswordHash;
        state.State.CreatedAt = now;
        // Acknowledged = durable: the caller gets its 201 only after this write has committed in PostgreSQL.
        await state.WriteStateAsync();
        return View();
    }

    public Task<AccountView?> GetAccount() => Task.FromResult(state.State.Id is null ? null : View());

    private AccountView View() => new(
        state.State.Id!,
        state.State.Username,
        state.State.DisplayName,
        state.State.Note,
        state.State.CreatedAt,
        state.State.FollowersCount,
        state.State.FollowingCount,
        state.State.CheckinsCount);
}

[GenerateSerializer, Alias("herenow.user-state")]
public sealed class UserState
{
    [Id(0)] public string? Id { get; set; }
    [Id(1)] public string Username { get; set; } = "";
    [Id(2)] public string DisplayName { get; set; } = "";
    [Id(3)] public string Note { get; set; } = "";
    [Id(4)] public string PasswordHash { get; set; } = "";
    [Id(5)] public DateTimeOffset CreatedAt { get; set; }
    [Id(6)] public int FollowersCount { get; set; }
    [Id(7)] public int FollowingCount { get; set; }
    [Id(8)] public int CheckinsCount { get; set; }
}
