using System.Security.Cryptography;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Npgsql;

namespace Herenow.Tests.Places;

/// <summary>
/// Writes <c>checkins</c> rows straight with SQL, as the check-in store (the author's grain) will: the place tests
/// need rows to exist before the events about them, which is the order the write path guarantees.
/// </summary>
public sealed class CheckinRows(string connectionString) : IAsyncDisposable
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private readonly NpgsqlDataSource data = NpgsqlDataSource.Create(connectionString);

    /// <summary>
    /// A time-ordered id whose timestamp is <paramref name="at"/>, whatever this process issued before
    /// (<see cref="TimeOrderedId.New"/> never goes below an id it made, and the tests move back and forth in time).
    /// The first 10 characters are the milliseconds, the other 16 the random bits.
    /// </summary>
    public static string IdAt(DateTimeOffset at) =>
        TimeOrderedId.MinAt(at)[..10] + new string(Enumerable.Range(0, 16).Select(_ => Alphabet[RandomNumberGenerator.GetInt32(32)]).ToArray());

    public async Task<CheckinEvent> InsertAsync(string placeId, string author, DateTimeOffset at,
        Visibility visibility = Visibility.Public, bool inPrivacyZone = false, bool heldUntilNext = false,
        DateTimeOffset? publishAt = null, bool deleted = false)
    {
        var checkin = new CheckinEvent(IdAt(at), author, placeId, visibility, at, Deleted: false, inPrivacyZone);
        await using var command = data.CreateCommand("""
            INSERT INTO checkins (author, id, place_id, place_name, place_latitude, place_longitude, latitude, longitude,
                                  visibility, created_at, publish_at, held_until_next, in_privacy_zone, deleted_at)
            VALUES (@author, @id, @place, 'Kiez Café', 52.5, 13.4, 52.5, 13.4,
                    @visibility, @created_at, @publish_at, @held, @zone, CASE WHEN @deleted THEN now() END)
            """);
        command.Parameters.AddWithValue("author", author);
        command.Parameters.AddWithValue("id", checkin.CheckinId);
        command.Parameters.AddWithValue("place", placeId);
        command.Parameters.AddWithValue("visibility", (short)visibility);
        command.Parameters.AddWithValue("created_at", at);
        command.Parameters.AddWithValue("publish_at", (object?)publishAt ?? DBNull.Value);
        command.Parameters.AddWithValue("held", heldUntilNext);
        command.Parameters.AddWithValue("zone", inPrivacyZone);
        command.Parameters.AddWithValue("deleted", deleted);
        await command.ExecuteNonQueryAsync();
        return checkin;
    }

    /// <summary>Deletes the row as the check-in store does (a tombstone row, deleted_at set) and returns the delete event.</summary>
    public async Task<CheckinEvent> DeleteAsync(CheckinEvent checkin)
    {
        await using var command = data.CreateCommand(
            "UPDATE checkins SET deleted_at = now(), shout = NULL, idempotency_key = NULL WHERE id = @id");
        command.Parameters.AddWithValue("id", checkin.CheckinId);
        await command.ExecuteNonQueryAsync();
        return checkin with { Deleted = true };
    }

    /// <summary>Ends a hold (the author's next check-in) and returns the release event.</summary>
    public async Task<CheckinEvent> ReleaseAsync(CheckinEvent checkin)
    {
        await using var command = data.CreateCommand("UPDATE checkins SET held_until_next = false WHERE id = @id");
        command.Parameters.AddWithValue("id", checkin.CheckinId);
        await command.ExecuteNonQueryAsync();
        return checkin;
    }

    public ValueTask DisposeAsync() => data.DisposeAsync();
}
