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
    IOptions<FanoutOptions> fanout,
    CheckinStore checkins,
    CheckinWriter writer,
    CheckinFanout checkinFanout,
    Federation.Atproto.AtprotoAccounts atproto,
    Pages.SiloCaches caches,
    Pages.PageBuilder pages) : Grain, IUserGrain, IRemindable
{
    private readonly FollowGraph graph = new(database);
    private readonly MediaAttachments mediaAttachments = new(database);

    private string Key => this.GetPrimaryKeyString();

    /// <summary>An account anyone may see or use: registered, and no deletion requested.</summary>
    private bool Exists => state.State.Id is not null && state.State.DeletionRequestedAt is null;

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

    public async Task<AccountCard?> GetCard()
    {
        if (!Exists)
        {
            return null;
        }
        var edges = await Edges();
        var counts = (await Mine()).Counts;
        return new AccountCard(state.State.Id!, state.State.Username, state.State.DisplayName, state.State.Note, state.State.CreatedAt,
            edges.Followers.Count, edges.Following.Count,
            counts.GetValueOrDefault(Visibility.Public), counts.GetValueOrDefault(Visibility.Followers), counts.GetValueOrDefault(Visibility.Private));
    }

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
        atprotoLinked = null; // a link or unlink comes just before a profile update
        await state.WriteStateAsync();
        await caches.InvalidateAsync(new(Account: Key)); // names on cached pages everywhere
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
            (await Mine()).Counts.Where(c => CheckinVisibility.MaySee(c.Key, relationship)).Sum(c => c.Value));
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
    /// <summary>Accounts this user blocks: they may not follow it and see nothing of it.</summary>
    [Id(8)] public HashSet<string> Blocked { get; set; } = [];
    /// <summary>Where this user's check-ins are shown without place and coordinates (PrivacyZone).</summary>
    [Id(9)] public List<PrivacyZone> PrivacyZones { get; set; } = [];
    /// <summary>Set when the deletion saga locks the account (UserGrain.Deletion.cs); the account is gone for everyone.</summary>
    [Id(10)] public DateTimeOffset? DeletionRequestedAt { get; set; }
    /// <summary>Set by the saga's last step: only this tombstone (name, dates) is left of the account.</summary>
    [Id(11)] public DateTimeOffset? DeletedAt { get; set; }
    [Id(12)] public DateTimeOffset? NameReservedUntil { get; set; }
    /// <summary>Hashes of the bearer tokens opened for this account, so that deletion can revoke them all.</summary>
    [Id(13)] public HashSet<string> Sessions { get; set; } = [];
}
