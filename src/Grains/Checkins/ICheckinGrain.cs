namespace Herenow.Grains.Checkins;

/// <summary>
/// A check-in's own durable record and its likes. Key: the check-in id. Reading a check-in by id, liking it and
/// deleting it each touch only this grain.
/// </summary>
public interface ICheckinGrain : IGrainWithStringKey
{
    /// <summary>Stores the record; repeating it (a retried saga step) changes nothing.</summary>
    Task Create(CheckinRecord record);

    /// <summary>The record with its current like count; null when it never existed or was deleted.</summary>
    Task<CheckinRecord?> Get();

    Task<bool> HasLiked(string username);

    /// <summary>Adds or removes a like; idempotent per user. Returns the record after the change.</summary>
    Task<CheckinRecord?> SetLike(string username, bool liked);

    Task MarkDeleted();

    /// <summary>Post later: the check-in is published now (its hold ends); returns the record, or null when deleted.</summary>
    Task<CheckinRecord?> Publish(DateTimeOffset at);
}
