using Herenow.Grains.Accounts;

namespace Herenow.Grains.Checkins;

/// <summary>What a viewer may see of one check-in.</summary>
public enum CheckinAccess
{
    /// <summary>Nothing, not even that it exists (a 404, absent from every list).</summary>
    Hidden,

    /// <summary>The check-in, but not its place or coordinates (made inside one of its author's privacy zones).</summary>
    WithoutPlace,

    /// <summary>All of it.</summary>
    Full,
}

/// <summary>
/// The one visibility policy: every read path (REST, SSE, ActivityPub GETs, inbox handling, feed pages built in the
/// silo) asks this, with the author's current relationship to the viewer, never what a list happened to hold.
/// </summary>
public static class CheckinVisibility
{
    /// <param name="author">The author's relationship to the viewer, now (a deleted account does not exist).</param>
    public static CheckinAccess Of(CheckinRecord record, Relationship author, DateTimeOffset now)
    {
        if (!author.Exists)
        {
            return CheckinAccess.Hidden;
        }
        if (author.IsSelf)
        {
            return CheckinAccess.Full; // held, private, in a privacy zone: the author sees all of their own
        }
        if (!MaySee(record.Visibility, author) || !record.IsPublished(now))
        {
            return CheckinAccess.Hidden; // post later: until published only its author knows it exists
        }
        return record.InPrivacyZone ? CheckinAccess.WithoutPlace : CheckinAccess.Full;
    }

    /// <summary>
    /// The part of the policy that needs no record: for list entries (id, author, visibility) and delete notices,
    /// whose record is gone. Never admits what <see cref="Of"/> would hide for the same author and visibility.
    /// </summary>
    public static bool MaySee(Visibility visibility, Relationship author) =>
        author.Exists && (author.IsSelf || (!author.BlocksViewer && (visibility == Visibility.Public ||
                                                                     (visibility == Visibility.Followers && author.ViewerFollows))));
}
