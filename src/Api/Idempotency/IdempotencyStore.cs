using Npgsql;

namespace Herenow.Api.Idempotency;

/// <summary>A remembered final response: what a repeat of the request gets back.</summary>
public sealed record StoredResponse(int Status, string? ContentType, string? Location, byte[] Body);

/// <summary>What claiming a key found.</summary>
public abstract record Claim
{
    private Claim()
    {
    }

    /// <summary>This request owns the key: run it, then <see cref="IdempotencyStore.CompleteAsync"/> or release.</summary>
    public sealed record Owned(Guid Owner) : Claim;

    public sealed record Replay(StoredResponse Response) : Claim;

    /// <summary>Another request with this key is still running (its lease has not expired).</summary>
    public sealed record InFlight : Claim;

    /// <summary>The key was used for a different request.</summary>
    public sealed record Mismatch : Claim;
}

/// <summary>
/// The <c>idempotency_keys</c> table (migration 0011). All times are the database's <c>now()</c>, so API instances
/// with different clocks agree on leases and expiry.
/// </summary>
public sealed class IdempotencyStore(NpgsqlDataSource dataSource)
{
    /// <summary>How long a pending claim is honoured before a retry may take it over (its API likely crashed).</summary>
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    /// <summary>How long a key is remembered; the contract promises at least an hour.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    private const int MaxClaimAttempts = 3;

    public async Task<Claim> ClaimAsync(string account, string key, byte[] fingerprint, CancellationToken ct)
    {
        // A row that vanishes between the two statements was released by a failed request: claim again.
        for (var attempt = 0; attempt < MaxClaimAttempts; attempt++)
        {
            var owner = Guid.NewGuid();
            // Inserts a pending row, or takes over an expired row or a pending one whose lease ran out (same request
            // only). ON CONFLICT locks the row, so of two concurrent claims exactly one wins.
            await using (var claim = dataSource.CreateCommand("""
                INSERT INTO idempotency_keys AS k (account, key, fingerprint, owner)
                VALUES (@account, @key, @fingerprint, @owner)
                ON CONFLICT (account, key) DO UPDATE
                SET fingerprint = excluded.fingerprint, owner = excluded.owner, created_at = now(),
                    completed_at = NULL, status = NULL, content_type = NULL, location = NULL, body = NULL
                WHERE k.created_at < now() - @retention
                   OR (k.status IS NULL AND k.created_at < now() - @lease AND k.fingerprint = excluded.fingerprint)
                RETURNING k.owner
                """))
            {
                AddKey(claim, account, key);
                claim.Parameters.AddWithValue("fingerprint", fingerprint);
                claim.Parameters.AddWithValue("owner", owner);
                claim.Parameters.AddWithValue("retention", Retention);
                claim.Parameters.AddWithValue("lease", Lease);
                if (await claim.ExecuteScalarAsync(ct) is Guid claimed && claimed == owner)
                {
                    return new Claim.Owned(owner);
                }
            }

            await using var read = dataSource.CreateCommand("""
                SELECT fingerprint, status, content_type, location, body FROM idempotency_keys
                WHERE account = @account AND key = @key
                """);
            AddKey(read, account, key);
            await using var reader = await read.ExecuteReaderAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                continue;
            }
            if (!reader.GetFieldValue<byte[]>(0).AsSpan().SequenceEqual(fingerprint))
            {
                return new Claim.Mismatch();
            }
            if (reader.IsDBNull(1))
            {
                return new Claim.InFlight();
            }
            return new Claim.Replay(new StoredResponse(
                reader.GetInt32(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.IsDBNull(4) ? [] : reader.GetFieldValue<byte[]>(4)));
        }
        return new Claim.InFlight();
    }

    /// <summary>Stores the final response; a no-op when the claim was taken over meanwhile.</summary>
    public async Task CompleteAsync(string account, string key, Guid owner, StoredResponse response)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE idempotency_keys
            SET status = @status, content_type = @content_type, location = @location, body = @body, completed_at = now()
            WHERE account = @account AND key = @key AND owner = @owner AND status IS NULL
            """);
        AddKey(command, account, key);
        command.Parameters.AddWithValue("owner", owner);
        command.Parameters.AddWithValue("status", response.Status);
        command.Parameters.AddWithValue("content_type", (object?)response.ContentType ?? DBNull.Value);
        command.Parameters.AddWithValue("location", (object?)response.Location ?? DBNull.Value);
        command.Parameters.AddWithValue("body", response.Body);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Forgets a pending claim whose result is not remembered, so that a retry runs the request again.</summary>
    public async Task ReleaseAsync(string account, string key, Guid owner)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM idempotency_keys WHERE account = @account AND key = @key AND owner = @owner AND status IS NULL");
        AddKey(command, account, key);
        command.Parameters.AddWithValue("owner", owner);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Deletes the rows past their retention; returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM idempotency_keys WHERE created_at < now() - @retention");
        command.Parameters.AddWithValue("retention", Retention);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static void AddKey(NpgsqlCommand command, string account, string key)
    {
        command.Parameters.AddWithValue("account", account);
        command.Parameters.AddWithValue("key", key);
    }
}
