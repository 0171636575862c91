using Herenow.Grains.Checkins;
using Herenow.Grains.Common;

namespace Herenow.Grains.Accounts;

/// <summary>Profile and settings. The follow graph and check-ins are in the other parts of this partial class.</summary>
public sealed partial class UserGrain(
    [PersistentState("user")] IPersistentState<UserState> state,
    TimeProvider clock) : Grain, IUserGrain, IRemindable
{
    private string Key => this.GetPrimaryKeyString();

    private bool Exists => state.State.Id is not null;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // A fan-out interrupted by a crash is still recorded as pending: finish it now.
        if (state.State.PendingFanout.Count > 0)
        {
            ScheduleFanout();
        }
        return Task.CompletedTask;
    }

    public async Task<AccountView?> Register(NewAccount account)
    {
        if (Exists)
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
        return View(null);
    }

    public Task<AccountView?> GetAccount(string? viewer) => Task.FromResult(Exists ? View(viewer) : null);

    public Task<string?> GetPasswordHash() => Task.FromResult(Exists ? state.State.PasswordHash : null);

    public Task<AccountSettings?> GetSettings() =>
        Task.FromResult(Exists ? new AccountSettings(state.State.DefaultVisibility, state.State.ActivityPub) : null);

    public async Task<AccountView?> UpdateProfile(ProfileUpdate update)
    {
        if (!Exists)
        {
            return null;
        }
        state.State.DisplayName = update.DisplayName ?? state.State.DisplayName;
        state.State.Note = update.Note ?? state.State.Note;
        state.State.DefaultVisibility = update.DefaultVisibility ?? state.State.DefaultVisibility;
        state.State.ActivityPub = update.ActivityPub ?? state.State.ActivityPub;
        await state.WriteStateAsync();
        return View(Key);
    }

    public Task<Relationship> GetRelationship(string? viewer) => Task.FromResult(RelationshipTo(viewer));

    private Relationship RelationshipTo(string? viewer) => new(
        Exists,
        viewer is not null && state.State.Followers.Any(f => f.Username == viewer),
        viewer is not null && state.State.Blocked.Contains(viewer),
        viewer == Key);

    /// <summary>Counts are per viewer: a check-in the viewer may not see is not counted either.</summary>
    private AccountView View(string? viewer)
    {
        var relationship = RelationshipTo(viewer);
        return new AccountView(
            state.State.Id!,
            state.State.Username,
            state.State.DisplayName,
            state.State.Note,
            state.State.CreatedAt,
            state.State.Followers.Count,
            state.State.Following.Count,
            state.State.Checkins.Count(c => relationship.MaySee(c.Visibility)));
    }
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
    [Id(6)] public Visibility DefaultVisibility { get; set; } = Visibility.Public;
    [Id(7)] public bool ActivityPub { get; set; } = true;
    [Id(8)] public List<FollowEdge> Followers { get; set; } = [];
    [Id(9)] public List<FollowEdge> Following { get; set; } = [];
    [Id(10)] public HashSet<string> Blocked { get; set; } = [];
    /// <summary>Every check-in this user wrote, oldest first (the lifetime history).</summary>
    [Id(11)] public List<CheckinEntry> Checkins { get; set; } = [];
    [Id(12)] public string? LastCheckinId { get; set; }
    /// <summary>Events acknowledged to the author but not yet delivered to every feed (the durable outbox).</summary>
    [Id(13)] public List<CheckinEvent> PendingFanout { get; set; } = [];
    /// <summary>Idempotency-Key → the check-in it created, for a day (see UserGrain.PostCheckin).</summary>
    [Id(14)] public Dictionary<string, KeyedCheckin> CheckinKeys { get; set; } = [];
}

[GenerateSerializer, Alias("herenow.keyed-checkin")]
public sealed record KeyedCheckin([property: Id(0)] string CheckinId, [property: Id(1)] DateTimeOffset CreatedAt);
