using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Cluster;
using Herenow.Grains.Feeds;
using Herenow.Grains.Media;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Herenow.Grains.Accounts;

/// <summary>Profile and settings. The follow graph and check-ins are in the other parts of this partial class.</summary>
public sealed partial class UserGrain(
    [PersistentState("user")] IPersistentState<UserState> state,
    NpgsqlDataSource database,
    TimeProvider clock,
    SiloDeaths deaths,
    IOptions<FanoutOptions> fanout) : Grain, IUserGrain, IRemindable
{
    private readonly FollowGraph graph = new(database);
    private readonly MediaAttachments mediaAttachments = new(database);

    private string Key => this.GetPrimaryKeyString();

    /// <summary>An account anyone may see or use: registered, and no deletion requested.</summary>
    private bool Exists => state.State.Id is not null && state.State.DeletionRequestedAt is null;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await MoveLegacyEdgesToTable();
        // A fan-out interrupted by a crash is still recorded as pending: finish it now.
        if (state.State.PendingFanout.Count > 0)
        {
            ScheduleFanout();
        }
        SchedulePublishing();
    }

    public async Task<AccountView?> Register(NewAccount account)
    {
        var now = clock.GetUtcNow();
        // Taken while it exists or is being deleted, and for a while after (see AccountDeletionOptions.NameReservedFor).
        if (state.State.Id is not null || state.State.NameReservedUntil > now)
        {
            return null;
        }
        state.State = new UserState();
        state.State.Id = TimeOrderedId.New(now);
        state.State.Username = account.Username;
        state.State.DisplayName = account.DisplayName;
        state.State.PasswordHash = account.PasswordHash;
        state.State.CreatedAt = now;
        // Acknowledged = durable: the caller gets its 201 only after this write has committed in PostgreSQL.
        await state.WriteStateAsync();
        return await View(null);
    }

    public async Task<AccountView?> GetAccount(string? viewer) => Exists ? await View(viewer) : null;

    public Task<string?> GetPasswordHash() => Task.FromResult(Exists ? state.State.PasswordHash : null);

    // Still answered while the account is being deleted: federating the deletions of its check-ins needs them.
    public Task<AccountSettings?> GetSettings() =>
        Task.FromResult(state.State.Id is not null ? new AccountSettings(state.State.DefaultVisibility, state.State.ActivityPub, state.State.PrivacyZones,
            Deleting: state.State.DeletionRequestedAt is not null) : null);

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
        state.State.PrivacyZones = update.PrivacyZones?.ToList() ?? state.State.PrivacyZones;
        await state.WriteStateAsync();
        return await View(Key);
    }

    public async Task<Relationship> GetRelationship(string? viewer)
    {
        var edges = await Edges();
        return new Relationship(
            Exists,
            viewer is not null && edges.Followers.Contains(viewer),
            viewer is not null && state.State.Blocked.Contains(viewer),
            viewer == Key);
    }

    /// <summary>Counts are per viewer: a check-in the viewer may not see is not counted either.</summary>
    private async Task<AccountView> View(string? viewer)
    {
        var relationship = await GetRelationship(viewer);
        var edges = await Edges();
        return new AccountView(
            state.State.Id!,
            state.State.Username,
            state.State.DisplayName,
            state.State.Note,
            state.State.CreatedAt,
            edges.Followers.Count,
            edges.Following.Count,
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
    // Obsolete since migration 0012: the edges are rows in the follows table. Kept (ids reserved) only so that a
    // state written before can still be read; activation moves them into the table and empties them.
    [Id(8)] public List<FollowEdge> Followers { get; set; } = [];
    [Id(9)] public List<FollowEdge> Following { get; set; } = [];
    /// <summary>Accounts this user blocks: they may not follow it and see nothing of it.</summary>
    [Id(10)] public HashSet<string> Blocked { get; set; } = [];
    /// <summary>Every check-in this user wrote, oldest first (the lifetime history).</summary>
    [Id(11)] public List<CheckinEntry> Checkins { get; set; } = [];
    [Id(12)] public string? LastCheckinId { get; set; }
    /// <summary>Events acknowledged to the author but not yet delivered to every feed (the durable outbox).</summary>
    [Id(13)] public List<CheckinEvent> PendingFanout { get; set; } = [];
    /// <summary>Idempotency-Key → the check-in it created, for a day (see UserGrain.PostCheckin).</summary>
    [Id(14)] public Dictionary<string, KeyedCheckin> CheckinKeys { get; set; } = [];
    /// <summary>Where this user's check-ins are shown without place and coordinates (PrivacyZone).</summary>
    [Id(15)] public List<PrivacyZone> PrivacyZones { get; set; } = [];
    /// <summary>Post later: check-ins written but not yet shown to anyone else (UserGrain.PostLater.cs).</summary>
    [Id(16)] public List<HeldCheckin> Held { get; set; } = [];
    /// <summary>Set when the deletion saga locks the account (UserGrain.Deletion.cs); the account is gone for everyone.</summary>
    [Id(17)] public DateTimeOffset? DeletionRequestedAt { get; set; }
    /// <summary>Set by the saga's last step: only this tombstone (name, dates) is left of the account.</summary>
    [Id(18)] public DateTimeOffset? DeletedAt { get; set; }
    [Id(19)] public DateTimeOffset? NameReservedUntil { get; set; }
    /// <summary>Hashes of the bearer tokens opened for this account, so that deletion can revoke them all.</summary>
    [Id(20)] public HashSet<string> Sessions { get; set; } = [];
}

/// <summary>A held check-in: published at <see cref="PublishAt"/>, or at the author's next check-in when that is null.</summary>
[GenerateSerializer, Alias("herenow.held-checkin")]
public sealed record HeldCheckin([property: Id(0)] string CheckinId, [property: Id(1)] DateTimeOffset? PublishAt);

[GenerateSerializer, Alias("herenow.keyed-checkin")]
public sealed record KeyedCheckin([property: Id(0)] string CheckinId, [property: Id(1)] DateTimeOffset CreatedAt);
