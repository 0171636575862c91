using Herenow.Grains.Security;
using Npgsql;

namespace Herenow.Grains.Federation.Atproto;

/// <summary>A user's linked AT Protocol account, as shown to its owner (never with the password).</summary>
[GenerateSerializer, Alias("herenow.atproto-link")]
public sealed record AtprotoLink(
    [property: Id(0)] string PdsUrl,
    [property: Id(1)] string Handle,
    [property: Id(2)] string Did);

/// <summary>One relay job: write or remove one check-in's records.</summary>
public sealed record AtprotoJob(long Id, string CheckinId, bool Delete, int Attempts);

/// <summary>
/// The <c>atproto_accounts</c> and <c>atproto_jobs</c> tables (migration 0016). The app password is sealed with
/// <see cref="SecretBox"/> before it reaches the database and opened only to create a session.
/// </summary>
public sealed class AtprotoAccounts(NpgsqlDataSource database, SecretBox secrets, TimeProvider clock) : IRetryQueue
{
    public async Task LinkAsync(string username, AtprotoLink link, string appPassword)
    {
        await using var command = database.CreateCommand("""
            INSERT INTO atproto_accounts (username, pds_url, handle, did, app_password, linked_at)
            VALUES (@user, @pds, @handle, @did, @password, @now)
            ON CONFLICT (username) DO UPDATE SET pds_url = excluded.pds_url, handle = excluded.handle, did = excluded.did,
                app_password = excluded.app_password, linked_at = excluded.linked_at
            """);
        command.Parameters.AddWithValue("user", username);
        command.Parameters.AddWithValue("pds", link.PdsUrl);
        command.Parameters.AddWithValue("handle", link.Handle);
        command.Parameters.AddWithValue("did", link.Did);
        command.Parameters.AddWithValue("password", secrets.Seal(appPassword, username));
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Unlinks: the account row and any queued work for it go (without credentials it cannot be done).</summary>
    public async Task UnlinkAsync(string username)
    {
        await using var command = database.CreateCommand("""
            WITH jobs AS (DELETE FROM atproto_jobs WHERE username = @user)
            DELETE FROM atproto_accounts WHERE username = @user
            """);
        command.Parameters.AddWithValue("user", username);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The link without opening the password (showing it needs no key).</summary>
    public async Task<AtprotoLink?> GetAsync(string username)
    {
        await using var command = database.CreateCommand("SELECT pds_url, handle, did FROM atproto_accounts WHERE username = @user");
        command.Parameters.AddWithValue("user", username);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? new AtprotoLink(reader.GetString(0), reader.GetString(1), reader.GetString(2)) : null;
    }

    /// <summary>The link and the opened app password; null when not linked.</summary>
    public async Task<(AtprotoLink Link, string AppPassword)?> GetWithPasswordAsync(string username)
    {
        await using var command = database.CreateCommand("SELECT pds_url, handle, did, app_password FROM atproto_accounts WHERE username = @user");
        command.Parameters.AddWithValue("user", username);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return null;
        }
        var link = new AtprotoLink(reader.GetString(0), reader.GetString(1), reader.GetString(2));
        return (link, secrets.Open((byte[])reader[3], username));
    }

    public async Task<bool> IsLinkedAsync(string username)
    {
        await using var command = database.CreateCommand("SELECT EXISTS (SELECT 1 FROM atproto_accounts WHERE username = @user)");
        command.Parameters.AddWithValue("user", username);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Queues a job once (while it waits); returns whether the user is linked at all.</summary>
    public async Task<bool> EnqueueAsync(string username, string checkinId, bool delete)
    {
        await using var batch = database.CreateBatch();
        batch.BatchCommands.Add(EnqueueCommand(username, checkinId, delete));
        return (bool)(await batch.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// <see cref="EnqueueAsync"/> as one statement (the check, the insert and the answer: one boolean), for a caller
    /// that sends it in one round trip with other statements (FederationGrain.Relay).
    /// </summary>
    public NpgsqlBatchCommand EnqueueCommand(string username, string checkinId, bool delete)
    {
        var command = new NpgsqlBatchCommand("""
            WITH linked AS (SELECT EXISTS (SELECT 1 FROM atproto_accounts WHERE username = @user) AS yes),
                 queued AS (
                     INSERT INTO atproto_jobs (username, checkin_id, action, next_attempt_at, created_at)
                     SELECT @user, @checkin, @action, @now, @now FROM linked WHERE linked.yes
                     ON CONFLICT (checkin_id, action) DO NOTHING)
            SELECT yes FROM linked
            """);
        command.Parameters.AddWithValue("user", username);
        command.Parameters.AddWithValue("checkin", checkinId);
        command.Parameters.AddWithValue("action", delete ? "delete" : "post");
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        return command;
    }

    /// <summary>The user's oldest job if it is due (jobs run in order: a delete never overtakes its post).</summary>
    public async Task<(AtprotoJob? Due, DateTimeOffset? Next)> HeadAsync(string username)
    {
        await using var command = database.CreateCommand("""
            SELECT id, checkin_id, action, attempts, next_attempt_at FROM atproto_jobs WHERE username = @user ORDER BY id LIMIT 1
            """);
        command.Parameters.AddWithValue("user", username);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return (null, null);
        }
        var next = new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(4), DateTimeKind.Utc));
        return next <= clock.GetUtcNow()
            ? (new AtprotoJob(reader.GetInt64(0), reader.GetString(1), reader.GetString(2) == "delete", reader.GetInt32(3)), next)
            : (null, next);
    }

    public Task DoneAsync(long id) => RetryQueue.RemoveAsync(database, "atproto_jobs", id);

    public Task RetryLaterAsync(long id, int attempts, DateTimeOffset next, string error) =>
        RetryQueue.RetryLaterAsync(database, "atproto_jobs", id, attempts, next, error);
}
