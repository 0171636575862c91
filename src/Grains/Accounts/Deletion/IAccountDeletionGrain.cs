namespace Herenow.Grains.Accounts.Deletion;

/// <summary>
/// The account-deletion saga of one account. Key: the account's id (not its username: a name may be registered again
/// once its reservation ends, and that later account's deletion is another saga). See docs/adr/0020-account-deletion.md.
/// </summary>
public interface IAccountDeletionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Records the request (durable before this returns) and locks the account; the remaining steps run afterwards.
    /// Idempotent: a second call returns the saga already under way.
    /// </summary>
    Task<DeletionStatus> Start(string username);

    /// <summary>Where the saga stands; null when no deletion was ever requested for this id. Resumes a stalled saga.</summary>
    Task<DeletionStatus?> GetStatus();
}

/// <summary>The saga's steps, in the order they run. Each is idempotent, so a step interrupted by a crash runs again.</summary>
public enum DeletionStep
{
    /// <summary>The account stops existing for everyone: 410 for its profile, no sign-in, no writes.</summary>
    Lock = 0,
    RevokeSessions = 1,
    /// <summary>Each check-in goes the way a single delete goes: feeds, place, ActivityPub Delete, AT record deletion.</summary>
    DeleteCheckins = 2,
    /// <summary>Waits until the author's fan-out outbox has delivered those deletions.</summary>
    AwaitFanout = 3,
    /// <summary>Delete(Person) to every remote follower and followed server.</summary>
    AnnounceActorDeletion = 4,
    SeverFollows = 5,
    /// <summary>Waits until this account's ActivityPub deliveries and AT Protocol jobs are done (or a deadline passes).</summary>
    AwaitFederationQueues = 6,
    /// <summary>Signing key, remote edges, AT link, idempotency records; photos handed to the media clean-up.</summary>
    ForgetFederationAndMedia = 7,
    /// <summary>Last, when nothing can deliver to it any more (no local or remote follows left).</summary>
    ClearHomeFeed = 8,
    /// <summary>The user's state becomes a tombstone that reserves the name.</summary>
    Tombstone = 9,
}

[GenerateSerializer, Alias("herenow.deletion-status")]
public sealed record DeletionStatus(
    [property: Id(0)] string Username,
    [property: Id(1)] DateTimeOffset RequestedAt,
    [property: Id(2)] DateTimeOffset? CompletedAt,
    [property: Id(3)] List<DeletionStepRecord> Steps);

[GenerateSerializer, Alias("herenow.deletion-step")]
public sealed record DeletionStepRecord(
    [property: Id(0)] DeletionStep Step,
    [property: Id(1)] DateTimeOffset? DoneAt,
    [property: Id(2)] int Attempts,
    [property: Id(3)] string? LastError);
