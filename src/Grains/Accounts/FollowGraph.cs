using System.Runtime.CompilerServices;
using Herenow.Grains.Common;
using Npgsql;
using NpgsqlTypes;

namespace Herenow.Grains.Accounts;

/// <summary>
/// The <c>follows</c> table (migration 0012, docs/adr/0013-follow-graph-table.md): one row per edge, so making or
/// removing one is a single statement, committed when it returns. Only the followee's User grain writes its rows
/// (it holds the blocks); the one exception is a block, which deletes both directions at once.
/// </summary>
public sealed class FollowGraph(NpgsqlDataSource database)
{
    /// <summary>Who <paramref name="user"/> is followed by and who it follows, in one query.</summary>
    public async Task<(HashSet<string> Followers, HashSet<string> Following)> LoadAsync(string user)
    {
        await using var command = database.CreateCommand("""
            SELECT follower, true FROM follows WHERE followee = @user
            UNION ALL
            SELECT followee, false FROM follows WHERE follower = @user
            """);
        command.Parameters.AddWithValue("user", user);
        var followers = new HashSet<string>(StringComparer.Ordinal);
        var following = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            (reader.GetBoolean(1) ? followers : following).Add(reader.GetString(0));
        }
        return (followers, following);
    }

    /// <summary>
    /// Whose check-ins <paramref name="user"/>'s home feed shows besides its own: the local accounts it follows and the
    /// fediverse accounts (by handle) that accepted its follow. Reads <c>ap_following</c> (RemoteGraph's table) read-only.
    /// </summary>
    public async Task<HashSet<string>> FeedSourcesAsync(string user)
    {
        await using var command = database.CreateCommand("""
            SELECT followee FROM follows WHERE follower = @user
            UNION ALL
            SELECT a.handle FROM ap_following f JOIN ap_actors a ON a.id = f.actor_id
            WHERE f.local_user = @user AND f.accepted AND a.deleted_at IS NULL
            """);
        command.Parameters.AddWithValue("user", user);
        var sources = new HashSet<string>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            sources.Add(reader.GetString(0));
        }
        return sources;
    }

    /// <summary>Makes the edge; a second call is a no-op (the pair is the primary key).</summary>
    public async Task AddAsync(string followee, string follower, DateTimeOffset now)
    {
        await using var command = database.CreateCommand("""
            INSERT INTO follows (followee, follower, id, created_at) VALUES (@followee, @follower, @id, @now)
            ON CONFLICT (followee, follower) DO NOTHING
            """);
        command.Parameters.AddWithValue("followee", followee);
        command.Parameters.AddWithValue("follower", follower);
        command.Parameters.AddWithValue("id", TimeOrderedId.New(now));
        command.Parameters.AddWithValue("now", now);
        await command.ExecuteNonQueryAsync();
    }

    public async Task RemoveAsync(string followee, string follower)
    {
        await using var command = database.CreateCommand("DELETE FROM follows WHERE followee = @followee AND follower = @follower");
        command.Parameters.AddWithValue("followee", followee);
        command.Parameters.AddWithValue("follower", follower);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Removes the edges in both directions between two users, in one statement.</summary>
    public async Task SeverAsync(string a, string b)
    {
        await using var command = database.CreateCommand("""
            DELETE FROM follows WHERE (followee = @a AND follower = @b) OR (followee = @b AND follower = @a)
            """);
        command.Parameters.AddWithValue("a", a);
        command.Parameters.AddWithValue("b", b);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Edges pointing at <paramref name="followee"/>: each follower with the edge id.</summary>
    public Task<List<FollowEdge>> FollowersPageAsync(string followee, PageQuery page) =>
        PageAsync("follower", "followee", followee, page);

    /// <summary>Edges from <paramref name="follower"/>: each followee with the edge id.</summary>
    public Task<List<FollowEdge>> FollowingPageAsync(string follower, PageQuery page) =>
        PageAsync("followee", "follower", follower, page);

    /// <summary>
    /// The same page <see cref="PageQuery.Apply"/> would cut from the edges sorted newest first: ids below max_id and
    /// above since_id and min_id; with min_id the oldest <c>Limit</c> of those, still returned newest first.
    /// </summary>
    private async Task<List<FollowEdge>> PageAsync(string other, string owner, string key, PageQuery page)
    {
        var ascending = page.MinId is not null;
        // Column names are the two constants above, never input.
        await using var command = database.CreateCommand($"""
            SELECT id, {other} FROM follows
            WHERE {owner} = @key
              AND (@max_id IS NULL OR id < @max_id)
              AND (@since_id IS NULL OR id > @since_id)
              AND (@min_id IS NULL OR id > @min_id)
            ORDER BY id {(ascending ? "ASC" : "DESC")}
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("key", key);
        command.Parameters.Add(new NpgsqlParameter("max_id", NpgsqlDbType.Text) { Value = (object?)page.MaxId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("since_id", NpgsqlDbType.Text) { Value = (object?)page.SinceId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("min_id", NpgsqlDbType.Text) { Value = (object?)page.MinId ?? DBNull.Value });
        command.Parameters.AddWithValue("limit", Math.Max(page.Limit, 0));
        var edges = new List<FollowEdge>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            edges.Add(new FollowEdge(reader.GetString(0), reader.GetString(1)));
        }
        if (ascending)
        {
            edges.Reverse();
        }
        return edges;
    }

    /// <summary>
    /// Every follower of <paramref name="followee"/>, <paramref name="batchSize"/> at a time, by keyset pagination on
    /// the primary key: no page is re-read, and no more than one batch of names is in memory at once.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<string>> FollowerBatchesAsync(
        string followee, int batchSize, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var after = "";
        while (true)
        {
            await using var command = database.CreateCommand("""
                SELECT follower FROM follows WHERE followee = @followee AND follower > @after
                ORDER BY follower LIMIT @limit
                """);
            command.Parameters.AddWithValue("followee", followee);
            command.Parameters.AddWithValue("after", after);
            command.Parameters.AddWithValue("limit", batchSize);
            var batch = new List<string>(batchSize);
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                {
                    batch.Add(reader.GetString(0));
                }
            }
            if (batch.Count > 0)
            {
                yield return batch;
            }
            if (batch.Count < batchSize)
            {
                yield break;
            }
            after = batch[^1];
        }
    }
}
