using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Orleans.Concurrency;

namespace Herenow.Grains.Accounts;

/// <summary>
/// One user: profile, credentials, settings, its side of the follow graph, and the serializer of its check-in writes.
/// Key: the lower-cased username. Usernames are unique case-insensitively, so the grain key itself is the
/// uniqueness constraint, and reading a profile, a relationship or a history page is a single-grain call.
/// </summary>
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Creates the account; null when the username is already taken.</summary>
    Task<AccountView?> Register(NewAccount account);

    /// <summary>The profile as <paramref name="viewer"/> sees it (null: anonymous); null when no such account exists.</summary>
    Task<AccountView?> GetAccount(string? viewer);

    /// <summary>The account as any viewer's view is made from it (<see cref="AccountCard.For"/>); null when it does not
    /// exist. What the silos' page caches keep: one per account, not one per viewer.</summary>
    /// <remarks>Interleaves (it only reads): a feed grain building a page asks its owner's card while that owner's
    /// grain may be waiting on the feed (a follow), and neither may wait for the other.</remarks>
    [AlwaysInterleave]
    Task<AccountCard?> GetCard();

    Task<string?> GetPasswordHash();

    Task<AccountSettings?> GetSettings();

    Task<AccountView?> UpdateProfile(ProfileUpdate update);

    // The calls one User grain makes to another inside its own turn (Follow, Unfollow, Block) interleave: A following
    // B while B follows A would otherwise wait on each other until the call timeout (a distributed deadlock). They are
    // safe to interleave because each changes only the in-memory sets after its own idempotent table statement, and
    // Block records the block in memory before its first await.

    /// <summary>How <paramref name="viewer"/> (a username key, or null when anonymous) relates to this user.</summary>
    [AlwaysInterleave]
    Task<Relationship> GetRelationship(string? viewer);

    // The follow graph: rows of the follows table, each written by the followee's grain (see UserGrain.Follows.cs).
    Task<FollowOutcome> Follow(string target);
    Task Unfollow(string target);
    Task Block(string target);
    Task Unblock(string target);
    [AlwaysInterleave]
    Task<bool> AcceptFollower(string follower);
    [AlwaysInterleave]
    Task RemoveFollower(string follower);
    /// <summary>The followee removed the edge already; the follower's grain only updates its cached set.</summary>
    [AlwaysInterleave]
    Task RemoveFollowing(string followee);
    Task<List<FollowEdge>> GetFollowers(PageQuery page);
    Task<List<FollowEdge>> GetFollowing(PageQuery page);

    // Check-ins this user wrote (UserGrain.Checkins.cs).
    Task<CheckinRecord> PostCheckin(NewCheckin checkin);
    /// <summary><see cref="PostCheckin"/>, answered with the author as they now see themselves: the API's 201 in one hop.</summary>
    Task<PostedCheckin> Post(NewCheckin checkin);
    Task<bool> DeleteCheckin(string checkinId);
    /// <summary>The outbox sweeper found events of this author past their lease: deliver them (again).</summary>
    Task ResumeOutbox();
    Task<List<CheckinEntry>> GetHistory(PageQuery page, bool includeFollowersOnly, bool includePrivate);

    /// <summary>
    /// A finished page of this account's check-ins as <paramref name="viewer"/> may see them, built here from the newest
    /// entries kept in memory (older pages: one statement); null when the account does not exist or blocks the viewer.
    /// </summary>
    Task<Pages.ViewPage?> GetHistoryView(PageQuery page, string? viewer);

    // Account deletion (UserGrain.Deletion.cs): the steps the deletion saga runs here, each idempotent.
    /// <summary>Null unless the account is being deleted or was deleted. Interleaves: a session grain activated by
    /// <see cref="RevokeSessions"/> asks it while this grain waits for that session.</summary>
    [AlwaysInterleave]
    Task<AccountDeletionInfo?> GetDeletion();
    Task SessionOpened(string tokenHash);
    Task SessionClosed(string tokenHash);
    Task LockForDeletion(DateTimeOffset requestedAt);
    Task RevokeSessions();
    Task<int> DeleteCheckins(int count);
    Task<bool> IsFanoutSettled();
    Task SeverAllFollows();
    Task Tombstone(DateTimeOffset deletedAt, DateTimeOffset nameReservedUntil);
}

public enum FollowOutcome
{
    Following = 0,
    NoSuchAccount = 1,
    Blocked = 2,
    Self = 3,
}

[GenerateSerializer, Alias("herenow.new-account")]
public sealed record NewAccount(
    [property: Id(0)] string Username,
    [property: Id(1)] string DisplayName,
    [property: Id(2)] string PasswordHash);

[GenerateSerializer, Immutable, Alias("herenow.posted-checkin")]
public sealed record PostedCheckin([property: Id(0)] CheckinRecord Record, [property: Id(1)] AccountView Author);

[GenerateSerializer, Immutable, Alias("herenow.account")]
public sealed record AccountView(
    [property: Id(0)] string Id,
    [property: Id(1)] string Username,
    [property: Id(2)] string DisplayName,
    [property: Id(3)] string Note,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] int FollowersCount,
    [property: Id(6)] int FollowingCount,
    [property: Id(7)] int CheckinsCount);

/// <summary>An account with its check-in counts by visibility, from which each viewer's <see cref="AccountView"/> is made.</summary>
[GenerateSerializer, Immutable, Alias("herenow.account-card")]
public sealed record AccountCard(
    [property: Id(0)] string Id,
    [property: Id(1)] string Username,
    [property: Id(2)] string DisplayName,
    [property: Id(3)] string Note,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] int FollowersCount,
    [property: Id(6)] int FollowingCount,
    [property: Id(7)] int PublicCheckins,
    [property: Id(8)] int FollowersOnlyCheckins,
    [property: Id(9)] int PrivateCheckins)
{
    /// <summary>Counts are per viewer: a check-in the viewer may not see is not counted either.</summary>
    public AccountView For(Relationship viewer) => new(Id, Username, DisplayName, Note, CreatedAt, FollowersCount, FollowingCount,
        (Checkins.CheckinVisibility.MaySee(Checkins.Visibility.Public, viewer) ? PublicCheckins : 0)
        + (Checkins.CheckinVisibility.MaySee(Checkins.Visibility.Followers, viewer) ? FollowersOnlyCheckins : 0)
        + (Checkins.CheckinVisibility.MaySee(Checkins.Visibility.Private, viewer) ? PrivateCheckins : 0));
}

[GenerateSerializer, Alias("herenow.account-settings")]
public sealed record AccountSettings(
    [property: Id(0)] Visibility DefaultVisibility,
    [property: Id(1)] bool ActivityPub,
    [property: Id(2)] IReadOnlyList<PrivacyZone>? PrivacyZones = null,
    // True while the deletion saga runs: the settings still drive the deletes it federates, nothing else.
    [property: Id(3)] bool Deleting = false);

[GenerateSerializer, Alias("herenow.profile-update")]
public sealed record ProfileUpdate(
    [property: Id(0)] string? DisplayName,
    [property: Id(1)] string? Note,
    [property: Id(2)] Visibility? DefaultVisibility,
    [property: Id(3)] bool? ActivityPub,
    // Null: unchanged; a list (maybe empty): the zones from now on.
    [property: Id(4)] IReadOnlyList<PrivacyZone>? PrivacyZones = null);

/// <summary>How a viewer relates to an account. What that lets them see is decided by <see cref="CheckinVisibility"/> alone.</summary>
[GenerateSerializer, Alias("herenow.relationship")]
public sealed record Relationship(
    [property: Id(0)] bool Exists,
    [property: Id(1)] bool ViewerFollows,
    [property: Id(2)] bool BlocksViewer,
    [property: Id(3)] bool IsSelf);

/// <summary>One follow edge; <see cref="Id"/> is time-ordered and pages follower lists.</summary>
[GenerateSerializer, Alias("herenow.follow-edge")]
public sealed record FollowEdge([property: Id(0)] string Id, [property: Id(1)] string Username);
