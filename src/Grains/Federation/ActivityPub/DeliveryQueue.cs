using Npgsql;

namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>One queued delivery: an activity for one inbox, signed by <see cref="Signer"/>'s key when sent.</summary>
/// <param name="TraceParent">The W3C traceparent of the work that queued it (migration 0018), when it was traced.</param>
public sealed record QueuedDelivery(long Id, string Inbox, string ActivityId, string Signer, string Body, int Attempts, string? TraceParent = null);

/// <summary>Queue depth for operators: everything waiting, what is due now, and the given-up deliveries.</summary>
public sealed record DeliveryQueueDepth(long Pending, long Due, long Retrying, long Domains, long Failed);

/// <summary>
/// The <c>ap_deliveries</c> outbox (migration 0015). A delivery is a row from the moment it is queued until the
/// remote server accepted it, so it survives any silo crash; enqueueing is idempotent per (activity, inbox) while the
/// row waits, so repeats of the at-least-once fan-out add nothing to the queue.
/// </summary>
public sealed class DeliveryQueue(NpgsqlDataSource database, TimeProvider clock) : IRetryQueue
{
    /// <summary>The unit of breakers and concurrency: host, with the port when it is not the default.</summary>
    public static string DomainOf(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) ? (uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}").ToLowerInvariant() : "";

    /// <summary>
    /// Queues the activity for each inbox — once while it waits (a delivered row is gone, so a fan-out repeated after
    /// delivery sends it again, and the receiver drops the repeat by activity id). Returns the domains to wake.
    /// </summary>
    /// <param name="orderingKey">What the activity acts on (a note's id, a follow's id): deliveries with the same key
    /// reach an inbox in the order they were queued.</param>
    public async Task<IReadOnlyList<string>> EnqueueAsync(string activityId, string orderingKey, string signer, string body, IEnumerable<string> inboxes)
    {
        var targets = inboxes.Where(i => DomainOf(i).Length > 0).Distinct(StringComparer.Ordinal).ToArray();
        if (targets.Length == 0)
        {
            return [];
        }
        await using var command = database.CreateCommand("""
            INSERT INTO ap_deliveries (domain, inbox, ordering_key, activity_id, signer, body, next_attempt_at, created_at, traceparent)
            SELECT t.domain, t.inbox, @key, @activity, @signer, @body, @now, @now, @traceparent FROM unnest(@domains, @inboxes) AS t(domain, inbox)
            ON CONFLICT (activity_id, inbox) DO NOTHING
            """);
        command.Parameters.AddWithValue("activity", activityId);
        command.Parameters.AddWithValue("key", orderingKey);
        command.Parameters.AddWithValue("signer", signer);
        command.Parameters.AddWithValue("body", body);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        command.Parameters.AddWithValue("domains", targets.Select(DomainOf).ToArray());
        command.Parameters.AddWithValue("inboxes", targets);
        // The queue is a hop in time: the trace context travels with the row, as it would in a message header.
        command.Parameters.AddWithValue("traceparent", (object?)Observability.TraceParent.Current() ?? DBNull.Value);
        await command.ExecuteNonQueryAsync();
        // Domains are woken even when every row existed already: a previous wake may be what was lost.
        return targets.Select(DomainOf).Distinct().ToList();
    }

    /// <summary>
    /// Up to <paramref name="limit"/> deliveries due now for <paramref name="domain"/>: for each inbox and ordering key
    /// only the oldest queued (first in, first out per object), so a failing delivery holds back only later activities
    /// about the same object, not the rest of that server's queue.
    /// </summary>
    public async Task<List<QueuedDelivery>> DueAsync(string domain, int limit)
    {
        await using var command = database.CreateCommand("""
            SELECT id, inbox, activity_id, signer, body, attempts, traceparent FROM (
                SELECT DISTINCT ON (inbox, ordering_key) id, inbox, activity_id, signer, body, attempts, next_attempt_at, traceparent
                FROM ap_deliveries WHERE domain = @domain ORDER BY inbox, ordering_key, id) head
            WHERE next_attempt_at <= @now ORDER BY next_attempt_at LIMIT @limit
            """);
        command.Parameters.AddWithValue("domain", domain);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        command.Parameters.AddWithValue("limit", limit);
        var due = new List<QueuedDelivery>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            due.Add(new QueuedDelivery(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetInt32(5),
                reader.IsDBNull(6) ? null : reader.GetString(6)));
        }
        return due;
    }

    /// <summary>When the next delivery for <paramref name="domain"/> falls due (its heads only); null when none waits.</summary>
    public async Task<DateTimeOffset?> NextDueAsync(string domain)
    {
        await using var command = database.CreateCommand("""
            SELECT min(next_attempt_at) FROM (
                SELECT DISTINCT ON (inbox, ordering_key) next_attempt_at
                FROM ap_deliveries WHERE domain = @domain ORDER BY inbox, ordering_key, id) head
            """);
        command.Parameters.AddWithValue("domain", domain);
        return await command.ExecuteScalarAsync() is DateTime next ? new DateTimeOffset(DateTime.SpecifyKind(next, DateTimeKind.Utc)) : null;
    }

    /// <summary>Whether anything at all waits for <paramref name="domain"/> (due or not).</summary>
    public async Task<bool> AnyAsync(string domain)
    {
        await using var command = database.CreateCommand("SELECT EXISTS (SELECT 1 FROM ap_deliveries WHERE domain = @domain)");
        command.Parameters.AddWithValue("domain", domain);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    public Task DeliveredAsync(long id) => RetryQueue.RemoveAsync(database, "ap_deliveries", id);

    public Task RetryLaterAsync(long id, int attempts, DateTimeOffset next, string error) =>
        RetryQueue.RetryLaterAsync(database, "ap_deliveries", id, attempts, next, error);

    /// <summary>Moves the delivery to <c>ap_delivery_failures</c> in one statement.</summary>
    public async Task GiveUpAsync(long id, int attempts, string reason)
    {
        await using var command = database.CreateCommand("""
            WITH gone AS (DELETE FROM ap_deliveries WHERE id = @id RETURNING id, domain, inbox, activity_id)
            INSERT INTO ap_delivery_failures (id, domain, inbox, activity_id, attempts, reason, failed_at)
            SELECT id, domain, inbox, activity_id, @attempts, @reason, @now FROM gone
            ON CONFLICT (id) DO NOTHING
            """);
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("attempts", attempts);
        command.Parameters.AddWithValue("reason", Truncate(reason));
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync();
    }

    public async Task<DeliveryQueueDepth> DepthAsync()
    {
        await using var command = database.CreateCommand("""
            SELECT count(*), count(*) FILTER (WHERE next_attempt_at <= @now), count(*) FILTER (WHERE attempts > 0),
                   count(DISTINCT domain), (SELECT count(*) FROM ap_delivery_failures)
            FROM ap_deliveries
            """);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new DeliveryQueueDepth(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4));
    }

    private static string Truncate(string text) => text.Length <= 500 ? text : text[..500];
}
