namespace Herenow.Grains.Sessions;

public sealed class SessionGrain(
    [PersistentState("session")] IPersistentState<SessionState> state,
    TimeProvider clock) : Grain, ISessionGrain
{
    public async Task Open(string username)
    {
        state.State.Username = username;
        state.State.CreatedAt = clock.GetUtcNow();
        state.State.Revoked = false;
        await state.WriteStateAsync();
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
