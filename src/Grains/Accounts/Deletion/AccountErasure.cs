using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Feeds;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Herenow.Grains.Accounts.Deletion;

/// <summary>What each step of the deletion saga does. Every step is idempotent: running it again after a crash is safe.</summary>
public sealed class AccountErasure(
    IGrainFactory grains,
    NpgsqlDataSource database,
    RemoteGraph remoteGraph,
    ActivityDelivery delivery,
    ActivityRenderer renderer,
    FederationOptions federation,
    IOptions<AccountDeletionOptions> options,
    TimeProvider clock)
{
    private const int CheckinBatch = 50;

    /// <summary>Runs one step; false when it has to wait for other work to finish first (the saga looks again later).</summary>
    public async Task<bool> RunAsync(DeletionStep step, string username, string accountId, DateTimeOffset requestedAt)
    {
        var user = grains.GetGrain<IUserGrain>(username);
        switch (step)
        {
            case DeletionStep.Lock:
                await user.LockForDeletion(requestedAt);
                return true;
            case DeletionStep.RevokeSessions:
                await user.RevokeSessions();
                return true;
            case DeletionStep.DeleteCheckins:
                while (await user.DeleteCheckins(CheckinBatch) > 0)
                {
                }
                return true;
            case DeletionStep.AwaitFanout:
                return await user.IsFanoutSettled();
            case DeletionStep.AnnounceActorDeletion:
                await AnnounceActorDeletionAsync(username);
                return true;
            case DeletionStep.SeverFollows:
                await user.SeverAllFollows();
                return true;
            case DeletionStep.AwaitFederationQueues:
                return await FederationQueuesDrainedAsync(username) || clock.GetUtcNow() > requestedAt + options.Value.FederationDrainTimeout;
            case DeletionStep.ForgetFederationAndMedia:
                await ForgetAsync(username);
                return true;
            case DeletionStep.ClearHomeFeed:
                await grains.GetGrain<IFeedGrain>(username).Clear();
                return true;
            case DeletionStep.Tombstone:
                var now = clock.GetUtcNow();
                await user.Tombstone(now, now + options.Value.NameReservedFor); // reserved from the moment it is gone

                return true;
            default:
                throw new ArgumentOutOfRangeException(nameof(step), step, null);
        }
    }

    /// <summary>
    /// Delete(Person) to every server that knows the account. Sent while the signing key is still served (it goes in
    /// <see cref="DeletionStep.ForgetFederationAndMedia"/>), so receivers can verify it; the enqueue is idempotent
    /// (one row per activity and inbox).
    /// </summary>
    private async Task AnnounceActorDeletionAsync(string username)
    {
        if (!federation.Active)
        {
            return;
        }
        var inboxes = await remoteGraph.KnownInboxesAsync(username);
        if (inboxes.Count > 0)
        {
            await delivery.SendAsync(renderer.DeleteActor(username), username, inboxes);
        }
    }

    private async Task<bool> FederationQueuesDrainedAsync(string username)
    {
        await using var command = database.CreateCommand("""
            SELECT NOT EXISTS (SELECT 1 FROM ap_deliveries WHERE signer = @user)
               AND NOT EXISTS (SELECT 1 FROM atproto_jobs WHERE username = @user)
            """);
        command.Parameters.AddWithValue("user", username);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// One transaction: whatever is still queued (only after the drain deadline), the signing key, the remote follow
    /// edges, the AT Protocol link with its sealed app password, the remembered idempotent responses. The account's
    /// photos (all unattached once its check-ins are deleted) are made due for the media clean-up, which deletes rows
    /// and blobs through the blob store on its next round.
    /// </summary>
    private async Task ForgetAsync(string username)
    {
        await using var connection = await database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("""
            DELETE FROM ap_deliveries WHERE signer = @user;
            DELETE FROM ap_followers WHERE local_user = @user;
            DELETE FROM ap_following WHERE local_user = @user;
            DELETE FROM ap_keys WHERE owner = @user;
            DELETE FROM atproto_jobs WHERE username = @user;
            DELETE FROM atproto_accounts WHERE username = @user;
            DELETE FROM idempotency_keys WHERE account = @user;
            UPDATE media SET created_at = '-infinity' WHERE owner = @user AND checkin_id IS NULL;
            """, connection, transaction);
        command.Parameters.AddWithValue("user", username);
        await command.ExecuteNonQueryAsync();
        await transaction.CommitAsync();
    }
}
