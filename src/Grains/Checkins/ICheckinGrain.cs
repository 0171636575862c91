namespace Herenow.Grains.Checkins;

/// <summary>
/// One check-in, cached in memory from its row (CheckinStore). Key: the check-in id. Reading it by id, liking it, and
/// its later changes (a delete, the end of a hold) go through this grain, so its cached copy is never stale; the row
/// itself is inserted by the author's grain through the silo's group-commit writer.
/// </summary>
public interface ICheckinGrain : IGrainWithStringKey
{
    /// <summary>Stores a fediverse post's record (local check-ins are inserted by their author's grain); idempotent.</summary>
    Task Create(CheckinRecord record);

    /// <summary>The record with its current like count; null when it never existed or was deleted.</summary>
    Task<CheckinRecord?> Get();

    /// <summary>Adds or removes a like; idempotent per user. Returns the record after the change.</summary>
    Task<CheckinRecord?> SetLike(string username, bool liked);

    /// <summary>
    /// Deletes it (its author's grain, or the inbox for a fediverse post, calls this), with the delete in the outbox when
    /// <paramref name="outboxDue"/> is given; returns the record as it was, or null when there was none.
    /// </summary>
    Task<CheckinRecord?> MarkDeleted(DateTimeOffset? outboxDue);

    /// <summary>Post later: the check-in is published now (its hold ends); returns the record, or null when deleted.</summary>
    Task<CheckinRecord?> Publish(DateTimeOffset at, DateTimeOffset outboxDue);
}
