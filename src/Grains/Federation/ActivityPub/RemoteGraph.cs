using Herenow.Grains.Common;
using Npgsql;

namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>
/// Follow edges that cross the server boundary (migration 0015): remote followers of local users
/// (<c>ap_followers</c>), local users following remote actors (<c>ap_following</c>), and the remote actor cache
/// (<c>ap_actors</c>). Every write is one idempotent statement: inbound activities and our own retries repeat.
/// </summary>
public sealed class RemoteGraph(NpgsqlDataSource database, TimeProvider clock)
{
    public async Task SaveActorAsync(RemoteActor actor)
    {
        await using var command = database.CreateCommand("""
            INSERT INTO ap_actors (id, handle, inbox, shared_inbox, key_id, public_key_pem, display_name, url, fetched_at)
            VALUES (@id, @handle, @inbox, @shared, @key, @pem, @name, @url, @now)
            ON CONFLICT (id) DO UPDATE SET handle = excluded.handle, inbox = excluded.inbox, shared_inbox = excluded.shared_inbox,
                key_id = excluded.key_id, public_key_pem = excluded.public_key_pem, display_name = excluded.display_name,
                url = excluded.url, fetched_at = excluded.fetched_at, deleted_at = NULL
            """);
        command.Parameters.AddWithValue("id", actor.Id);
        command.Parameters.AddWithValue("handle", actor.Handle);
        command.Parameters.AddWithValue("inbox", actor.Inbox);
        command.Parameters.AddWithValue("shared", (object?)actor.SharedInbox ?? DBNull.Value);
        command.Parameters.AddWithValue("key", (object?)actor.KeyId ?? DBNull.Value);
        command.Parameters.AddWithValue("pem", (object?)actor.PublicKeyPem ?? DBNull.Value);
        command.Parameters.AddWithValue("name", (object?)actor.DisplayName ?? DBNull.Value);
        command.Parameters.AddWithValue("url", (object?)actor.Url ?? DBNull.Value);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync();
    }

    public Task<RemoteActor?> ActorAsync(string id) => OneActorAsync("id = @value", id);

    public Task<RemoteActor?> ActorByKeyIdAsync(string keyId) => OneActorAsync("key_id = @value", keyId);

    public Task<RemoteActor?> ActorByHandleAsync(string handle) => OneActorAsync("lower(handle) = lower(@value)", handle);

    private async Task<RemoteActor?> OneActorAsync(string where, string value)
    {
        await using var command = database.CreateCommand($"""
            SELECT id, handle, inbox, shared_inbox, key_id, public_key_pem, display_name, url FROM ap_actors
            WHERE {where} AND deleted_at IS NULL ORDER BY fetched_at DESC LIMIT 1
            """);
        command.Parameters.AddWithValue("value", value);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync()
            ? new RemoteActor(reader.GetString(0), reader.GetString(1), reader.GetString(2), Text(reader, 3), Text(reader, 4), Text(reader, 5), Text(reader, 6), Text(reader, 7))
            : null;
    }

    private static string? Text(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetString(i);

    public async Task AddFollowerAsync(string localUser, string actorId, string followId)
    {
        var now = clock.GetUtcNow();
        await using var command = database.CreateCommand("""
            INSERT INTO ap_followers (local_user, actor_id, follow_id, id, created_at) VALUES (@user, @actor, @follow, @id, @now)
            ON CONFLICT (local_user, actor_id) DO UPDATE SET follow_id = excluded.follow_id
            """);
        command.Parameters.AddWithValue("user", localUser);
        command.Parameters.AddWithValue("actor", actorId);
        command.Parameters.AddWithValue("follow", followId);
        command.Parameters.AddWithValue("id", TimeOrderedId.New(now));
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Undo(Follow): removes the edge named by its target user or by the Follow's id; only the follower's own.</summary>
    public async Task<bool> RemoveFollowerAsync(string? localUser, string actorId, string? followId)
    {
        await using var command = database.CreateCommand("""
            DELETE FROM ap_followers WHERE actor_id = @actor AND (local_user = @user OR follow_id = @follow)
            """);
        command.Parameters.AddWithValue("user", (object?)localUser ?? DBNull.Value);
        command.Parameters.AddWithValue("actor", actorId);
        command.Parameters.AddWithValue("follow", (object?)followId ?? DBNull.Value);
        return await command.ExecuteNonQueryAsync() > 0;
    }

    /// <summary>Where a local user's activities go: one inbox per server that has a shared inbox, else each actor's.</summary>
    public async Task<List<string>> FollowerInboxesAsync(string localUser)
    {
        await using var batch = database.CreateBatch();
        batch.BatchCommands.Add(FollowerInboxesCommand(localUser));
        await using var reader = await batch.ExecuteReaderAsync();
        return await ReadInboxesAsync(reader);
    }

    /// <summary><see cref="FollowerInboxesAsync"/> as a batch statement, for a caller that combines round trips.</summary>
    public static NpgsqlBatchCommand FollowerInboxesCommand(string localUser)
    {
        var command = new NpgsqlBatchCommand("""
            SELECT DISTINCT COALESCE(a.shared_inbox, a.inbox) FROM ap_followers f JOIN ap_actors a ON a.id = f.actor_id
            WHERE f.local_user = @user AND a.deleted_at IS NULL
            """);
        command.Parameters.AddWithValue("user", localUser);
        return command;
    }

    /// <summary>Reads the result of <see cref="FollowerInboxesCommand"/>.</summary>
    public static async Task<List<string>> ReadInboxesAsync(NpgsqlDataReader reader)
    {
        var inboxes = new List<string>();
        while (await reader.ReadAsync())
        {
            inboxes.Add(reader.GetString(0));
        }
        return inboxes;
    }

    /// <summary>Every inbox that knows this local user: its followers' and those of the accounts it follows.</summary>
    public async Task<List<string>> KnownInboxesAsync(string localUser)
    {
        await using var command = database.CreateCommand("""
            SELECT DISTINCT COALESCE(a.shared_inbox, a.inbox) FROM ap_actors a
            WHERE a.deleted_at IS NULL AND a.id IN (SELECT actor_id FROM ap_followers WHERE local_user = @user
                                                    UNION SELECT actor_id FROM ap_following WHERE local_user = @user)
            """);
        command.Parameters.AddWithValue("user", localUser);
        var inboxes = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            inboxes.Add(reader.GetString(0));
        }
        return inboxes;
    }

    public async Task<bool> IsFollowerAsync(string localUser, string actorId)
    {
        await using var command = database.CreateCommand("SELECT EXISTS (SELECT 1 FROM ap_followers WHERE local_user = @user AND actor_id = @actor)");
        command.Parameters.AddWithValue("user", localUser);
        command.Parameters.AddWithValue("actor", actorId);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// A page of the followers or following collection: local and remote edges in one list, newest first (both
    /// tables carry time-ordered ids), as actor ids; and the total.
    /// </summary>
    public async Task<(List<string> Actors, long Total)> CollectionPageAsync(string localUser, bool followers, int offset, int limit, ApUrls urls)
    {
        var sql = followers
            ? "SELECT follower AS name, true AS local, id FROM follows WHERE followee = @user UNION ALL SELECT actor_id, false, id FROM ap_followers WHERE local_user = @user"
            : "SELECT followee AS name, true AS local, id FROM follows WHERE follower = @user UNION ALL SELECT actor_id, false, id FROM ap_following WHERE local_user = @user";
        await using var command = database.CreateCommand($"""
            SELECT name, local, (SELECT count(*) FROM ({sql}) c) FROM ({sql}) e ORDER BY id DESC OFFSET @offset LIMIT @limit
            """);
        command.Parameters.AddWithValue("user", localUser);
        command.Parameters.AddWithValue("offset", offset);
        command.Parameters.AddWithValue("limit", limit);
        var actors = new List<string>();
        long? total = null;
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                actors.Add(reader.GetBoolean(1) ? urls.Actor(reader.GetString(0)) : reader.GetString(0));
                total = reader.GetInt64(2);
            }
        }
        return (actors, total ?? await CountAsync(localUser, followers));
    }

    /// <summary>Local and remote edges of one direction.</summary>
    public async Task<long> CountAsync(string localUser, bool followers)
    {
        await using var command = database.CreateCommand(followers
            ? "SELECT (SELECT count(*) FROM follows WHERE followee = @user) + (SELECT count(*) FROM ap_followers WHERE local_user = @user)"
            : "SELECT (SELECT count(*) FROM follows WHERE follower = @user) + (SELECT count(*) FROM ap_following WHERE local_user = @user)");
        command.Parameters.AddWithValue("user", localUser);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Records that <paramref name="localUser"/> follows the actor; returns the follow id in force (an earlier one wins).</summary>
    public async Task<string> AddFollowingAsync(string localUser, string actorId, string followId)
    {
        var now = clock.GetUtcNow();
        await using var command = database.CreateCommand("""
            INSERT INTO ap_following (local_user, actor_id, follow_id, id, created_at) VALUES (@user, @actor, @follow, @id, @now)
            ON CONFLICT (local_user, actor_id) DO UPDATE SET local_user = excluded.local_user
            RETURNING follow_id
            """);
        command.Parameters.AddWithValue("user", localUser);
        command.Parameters.AddWithValue("actor", actorId);
        command.Parameters.AddWithValue("follow", followId);
        command.Parameters.AddWithValue("id", TimeOrderedId.New(now));
        command.Parameters.AddWithValue("now", now);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Removes the edge; returns the follow id it had (for the Undo), or null when there was none.</summary>
    public async Task<(string FollowId, bool Accepted)?> RemoveFollowingAsync(string localUser, string actorId)
    {
        await using var command = database.CreateCommand(
            "DELETE FROM ap_following WHERE local_user = @user AND actor_id = @actor RETURNING follow_id, accepted");
        command.Parameters.AddWithValue("user", localUser);
        command.Parameters.AddWithValue("actor", actorId);
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetString(0), reader.GetBoolean(1)) : null;
    }

    /// <summary>The remote Accept of our Follow: only the followed actor can accept it.</summary>
    public async Task<bool> AcceptFollowingAsync(string followId, string actorId)
    {
        await using var command = database.CreateCommand(
            "UPDATE ap_following SET accepted = true WHERE follow_id = @follow AND actor_id = @actor");
        command.Parameters.AddWithValue("follow", followId);
        command.Parameters.AddWithValue("actor", actorId);
        return await command.ExecuteNonQueryAsync() > 0;
    }

    /// <summary>The remote Reject of our Follow: the edge goes.</summary>
    public async Task RejectFollowingAsync(string followId, string actorId)
    {
        await using var command = database.CreateCommand("DELETE FROM ap_following WHERE follow_id = @follow AND actor_id = @actor");
        command.Parameters.AddWithValue("follow", followId);
        command.Parameters.AddWithValue("actor", actorId);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Whether the local user follows the actor, and whether the actor accepted.</summary>
    public async Task<bool?> FollowingStateAsync(string localUser, string actorId)
    {
        await using var command = database.CreateCommand("SELECT accepted FROM ap_following WHERE local_user = @user AND actor_id = @actor");
        command.Parameters.AddWithValue("user", localUser);
        command.Parameters.AddWithValue("actor", actorId);
        return await command.ExecuteScalarAsync() is bool accepted ? accepted : null;
    }

    /// <summary>Local users who follow the actor (the home feeds its posts go to).</summary>
    public async Task<List<string>> LocalFollowersOfAsync(string actorId)
    {
        await using var command = database.CreateCommand("SELECT local_user FROM ap_following WHERE actor_id = @actor");
        command.Parameters.AddWithValue("actor", actorId);
        var users = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            users.Add(reader.GetString(0));
        }
        return users;
    }

    /// <summary>A remote actor was deleted: every edge to and from it goes, the cache entry is marked.</summary>
    public async Task RemoveActorAsync(string actorId)
    {
        await using var command = database.CreateCommand("""
            WITH a AS (DELETE FROM ap_followers WHERE actor_id = @actor), b AS (DELETE FROM ap_following WHERE actor_id = @actor)
            UPDATE ap_actors SET deleted_at = @now WHERE id = @actor
            """);
        command.Parameters.AddWithValue("actor", actorId);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync();
    }
}
