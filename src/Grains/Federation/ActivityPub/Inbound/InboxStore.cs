using Npgsql;

namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary>One received activity waiting to be applied (a pending <c>ap_inbox</c> row).</summary>
public sealed record InboxRow(long Id, string ActivityId, string ActorId, string Body, int Attempts, DateTimeOffset NextAttemptAt);

/// <summary>
/// The durable inbox, <c>ap_inbox</c> (migration 0020): every statement on it. The API records (and nothing else);
/// the actor's <see cref="InboxGrain"/> reads its pending rows and settles them; <see cref="InboxSweeper"/> finds
/// rows nobody is working on; the clean-up forgets old ones.
/// </summary>
public sealed class InboxStore(NpgsqlDataSource database, TimeProvider clock)
{
    /// <summary>
    /// Records a verified activity. Returns false when its id was recorded before (a repeated delivery): then there is
    /// nothing new to apply. Either way, once this returns the activity is durable and may be acknowledged.
    /// </summary>
    public async Task<bool> RecordAsync(string activityId, string actorId, string type, string body)
    {
        await using var command = database.CreateCommand("""
            INSERT INTO ap_inbox (activity_id, actor_id, type, body, received_at, next_attempt_at)
            VALUES (@activity, @actor, @type, @body, @now, @now)
            ON CONFLICT (activity_id) DO NOTHING
            """);
        command.Parameters.AddWithValue("activity", activityId);
        command.Parameters.AddWithValue("actor", actorId);
        command.Parameters.AddWithValue("type", type.Length <= 100 ? type : type[..100]);
        command.Parameters.AddWithValue("body", body);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        return await command.ExecuteNonQueryAsync() > 0;
    }

    /// <summary>The actor's oldest pending rows, due or not, in arrival order.</summary>
    public async Task<List<InboxRow>> PendingAsync(string actorId, int limit)
    {
        await using var command = database.CreateCommand("""
            SELECT id, activity_id, actor_id, body, attempts, next_attempt_at FROM ap_inbox
            WHERE actor_id = @actor AND processed_at IS NULL ORDER BY id LIMIT @limit
            """);
        command.Parameters.AddWithValue("actor", actorId);
        command.Parameters.AddWithValue("limit", limit);
        var rows = new List<InboxRow>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new InboxRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? "" : reader.GetString(3),
                reader.GetInt32(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }
        return rows;
    }

    /// <summary>Applied: the id stays (it is the dedupe), the body goes.</summary>
    public async Task AppliedAsync(long id)
    {
        await using var command = database.CreateCommand("UPDATE ap_inbox SET processed_at = @now, body = NULL, last_error = NULL WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync();
    }

    public async Task RetryLaterAsync(long id, int attempts, DateTimeOffset next, string error)
    {
        await using var command = database.CreateCommand(
            "UPDATE ap_inbox SET attempts = @attempts, next_attempt_at = @next, last_error = @error WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("attempts", attempts);
        command.Parameters.AddWithValue("next", next);
        command.Parameters.AddWithValue("error", Truncate(error));
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Every attempt spent: processed, with the reason and the body kept for operators.</summary>
    public async Task GiveUpAsync(long id, int attempts, string error)
    {
        await using var command = database.CreateCommand(
            "UPDATE ap_inbox SET processed_at = @now, attempts = @attempts, last_error = @error WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("attempts", attempts);
        command.Parameters.AddWithValue("error", Truncate(error));
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Actors with a pending row due before <paramref name="before"/>: work whose wake was lost or whose grain went away.</summary>
    public async Task<List<string>> OverdueActorsAsync(DateTimeOffset before, int limit)
    {
        await using var command = database.CreateCommand("""
            SELECT DISTINCT actor_id FROM (
                SELECT actor_id FROM ap_inbox WHERE processed_at IS NULL AND next_attempt_at <= @before
                ORDER BY next_attempt_at LIMIT @scan) due
            LIMIT @limit
            """);
        command.Parameters.AddWithValue("before", before);
        command.Parameters.AddWithValue("scan", limit * 10);
        command.Parameters.AddWithValue("limit", limit);
        var actors = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            actors.Add(reader.GetString(0));
        }
        return actors;
    }

    /// <summary>Forgets processed rows received before <paramref name="before"/>; returns how many went.</summary>
    public async Task<int> ForgetAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var command = database.CreateCommand("DELETE FROM ap_inbox WHERE received_at < @before AND processed_at IS NOT NULL");
        command.Parameters.AddWithValue("before", before);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500];
}
