using Herenow.Grains.Federation.ActivityPub;
using Npgsql;

namespace Herenow.Grains.Federation;

/// <summary>
/// A federation queue whose rows carry <c>attempts</c>, <c>next_attempt_at</c> and <c>last_error</c>: the ActivityPub
/// deliveries (<c>ap_deliveries</c>, <see cref="DeliveryQueue"/>) and the AT Protocol jobs (<c>atproto_jobs</c>,
/// <see cref="Atproto.AtprotoAccounts"/>).
/// </summary>
public interface IRetryQueue
{
    /// <summary>Records a failed attempt of row <paramref name="id"/>: the attempts made, when to try next, the error.</summary>
    Task RetryLaterAsync(long id, int attempts, DateTimeOffset next, string error);
}

public static class RetryQueue
{
    /// <summary>
    /// Schedules the next attempt of row <paramref name="id"/> after <paramref name="attemptsMade"/> failed ones:
    /// exponential backoff with full jitter (<see cref="RetrySchedule"/>), never sooner than the server asked
    /// (<paramref name="retryAfter"/>). Returns the wait; null when the attempts are spent — then nothing is written and
    /// the caller gives up in its own way.
    /// </summary>
    public static async Task<TimeSpan?> ScheduleRetryAsync(this IRetryQueue queue, long id, int attemptsMade, string error,
        FederationOptions options, TimeProvider clock, TimeSpan? retryAfter = null)
    {
        if (attemptsMade >= options.MaxAttempts)
        {
            return null;
        }
        var wait = RetrySchedule.Delay(attemptsMade, options, Random.Shared, retryAfter);
        await queue.RetryLaterAsync(id, attemptsMade, clock.GetUtcNow() + wait, error);
        return wait;
    }

    /// <summary>The statement behind <see cref="IRetryQueue.RetryLaterAsync"/> for <paramref name="table"/> (a constant name); the error is cut to 500 characters.</summary>
    internal static async Task RetryLaterAsync(NpgsqlDataSource database, string table, long id, int attempts, DateTimeOffset next, string error)
    {
        await using var command = database.CreateCommand(
            $"UPDATE {table} SET attempts = @attempts, next_attempt_at = @next, last_error = @error WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("attempts", attempts);
        command.Parameters.AddWithValue("next", next);
        command.Parameters.AddWithValue("error", error.Length <= 500 ? error : error[..500]);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Removes row <paramref name="id"/> of <paramref name="table"/> (a constant name): done with.</summary>
    internal static async Task RemoveAsync(NpgsqlDataSource database, string table, long id)
    {
        await using var command = database.CreateCommand($"DELETE FROM {table} WHERE id = @id");
        command.Parameters.AddWithValue("id", id);
        await command.ExecuteNonQueryAsync();
    }
}
