namespace Herenow.Grains.Checkins;

public sealed class CheckinGrain(
    [PersistentState("checkin")] IPersistentState<CheckinState> state) : Grain, ICheckinGrain
{
    public async Task Create(CheckinRecord record)
    {
        if (state.State.Record is not null || state.State.Deleted)
        {
            return;
        }
        state.State.Record = record with { LikesCount = 0 };
        await state.WriteStateAsync();
    }

    public Task<CheckinRecord?> Get() => Task.FromResult(Current());

    public Task<bool> HasLiked(string username) => Task.FromResult(state.State.Likes.Contains(username));

    public async Task<CheckinRecord?> SetLike(string username, bool liked)
    {
        if (Current() is null)
        {
            return null;
        }
        var changed = liked ? state.State.Likes.Add(username) : state.State.Likes.Remove(username);
        if (changed)
        {
            await state.WriteStateAsync();
        }
        return Current();
    }

    public async Task MarkDeleted()
    {
        if (state.State.Deleted)
        {
            return;
        }
        // Keep a tombstone (not the content) so a late retry of Create cannot resurrect it.
        state.State.Deleted = true;
        state.State.Record = null;
        state.State.Likes.Clear();
        await state.WriteStateAsync();
    }

    public async Task<CheckinRecord?> Publish(DateTimeOffset at)
    {
        if (Current() is not { } current)
        {
            return null;
        }
        if (current.IsPublished(at))
        {
            return current;
        }
        state.State.Record = state.State.Record! with { PublishAt = at, HeldUntilNext = false };
        await state.WriteStateAsync();
        return Current();
    }

    private CheckinRecord? Current() =>
        state.State.Record is { } record && !state.State.Deleted ? record with { LikesCount = state.State.Likes.Count } : null;
}

[GenerateSerializer, Alias("herenow.checkin-state")]
public sealed class CheckinState
{
    [Id(0)] public CheckinRecord? Record { get; set; }
    [Id(1)] public HashSet<string> Likes { get; set; } = [];
    [Id(2)] public bool Deleted { get; set; }
}
