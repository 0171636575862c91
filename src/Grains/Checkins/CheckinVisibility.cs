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
/// <remarks>
/// The rules, in order: a deleted account (or one being deleted) does not exist, for anyone. Its author sees all of a
/// check-in (held, private, in a privacy zone). Anyone the author blocks sees nothing of the author. Otherwise a
/// public check-in is for everyone, a followers-only one for followers, a private one for nobody else; and a held
/// check-in ("post later") for nobody else until it is published. One made inside a privacy zone shows others
/// everything but its place and coordinates.
/// </remarks>
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
        MaySeeAuthor(author) && (author.IsSelf || visibility == Visibility.Public ||
                                 (visibility == Visibility.Followers && author.ViewerFollows));

    /// <summary>
    /// Whether the author exists for the viewer at all (profile, history, follower lists, mayorship): the account
    /// exists and does not block them. A block hides everything of the blocker. <see cref="MaySee"/> never admits a
    /// check-in of an author this refuses.
    /// </summary>
    public static bool MaySeeAuthor(Relationship author) => author.Exists && (author.IsSelf || !author.BlocksViewer);

    /// <summary>
    /// How a viewer on another server (a fediverse actor, or an unsigned ActivityPub GET) relates to a local author:
    /// the author exists for it only while the account exists and federates (ActivityPub on, not being deleted); it
    /// follows only through the federated graph (a remote follower), never by a local edge; it is never the author;
    /// and blocks, which name local accounts, do not reach it. Pass the result to <see cref="Of"/> as any other.
    /// </summary>
    /// <param name="authorSettings">The local author's settings; null when there is no such account.</param>
    /// <param name="followsAuthor">The remote viewer follows the author (an accepted remote follow); false for anonymous GETs.</param>
    public static Relationship FederatedViewer(AccountSettings? authorSettings, bool followsAuthor) =>
        new(Exists: authorSettings is { ActivityPub: true, Deleting: false }, ViewerFollows: followsAuthor, BlocksViewer: false, IsSelf: false);
}
