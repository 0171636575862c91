using Herenow.Grains.Accounts;

namespace Herenow.Grains.Sessions;

public sealed class SessionGrain(
    [PersistentState("session")] IPersistentState<SessionState> state,
    TimeProvider clock) : Grain, ISessionGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Account deletion revokes the sessions the account lists (UserState.Sessions); a token opened before sessions
        // were listed is caught here, the first time it is used after the deletion.
        if (state.State is { Username: { } username, Revoked: false } &&
            await GrainFactory.GetGrain<IUserGrain>(username).GetDeletion() is not null)
        {
            state.State.Revoked = true;
        }
    }

    public async Task Open(string username)
    {
        state.State.Username = username;
        state.State.CreatedAt = clock.GetUtcNow();
        state.State.Revoked = false;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IUserGrain>(username).SessionOpened(this.GetPrimaryKeyString());
    }

    public Task<string?> GetUsername() =>
        Task.FromResult(state.State.Revoked ? null : state.State.Username);

    public async Task Revoke()
    {
        if (state.State.Username is null || state.State.Revoked)
        {
            return;
        }
        state.State.Revoked = true;
        await state.WriteStateAsync();
    }
}

[GenerateSerializer, Alias("herenow.session-state")]
public sealed class SessionState
{
    [Id(0)] public string? Username { get; set; }
    [Id(1)] public DateTimeOffset CreatedAt { get; set; }
    [Id(2)] public bool Revoked { get; set; }
}
