using System.Security.Cryptography;
using System.Text;

namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>
/// Every ActivityPub id Herenow mints, from the configured public origin. Ids are stable functions of local ids,
/// so re-rendering an activity (a retried fan-out) yields the same id and the outbox's uniqueness dedupes it.
/// </summary>
public sealed class ApUrls(Uri origin)
{
    public const string InstanceActorName = "";

    public string Origin { get; } = origin.GetLeftPart(UriPartial.Authority);

    public string Actor(string username) => username == InstanceActorName ? $"{Origin}/actor" : $"{Origin}/users/{username}";
    public string KeyId(string username) => Actor(username) + "#main-key";
    public string Inbox(string username) => Actor(username) + "/inbox";
    public string SharedInbox => Origin + "/inbox";
    public string Outbox(string username) => Actor(username) + "/outbox";
    public string Followers(string username) => Actor(username) + "/followers";
    public string Following(string username) => Actor(username) + "/following";
    public string Note(string username, string checkinId) => $"{Actor(username)}/checkins/{checkinId}";
    public string Create(string username, string checkinId) => Note(username, checkinId) + "/activity";
    public string Delete(string username, string checkinId) => Note(username, checkinId) + "#delete";
    public string Follow(string username, string followId) => $"{Actor(username)}/follows/{followId}";
    public static string Undo(string activityId) => activityId + "#undo";

    /// <summary>Our Accept of a remote Follow: derived from the Follow's id, so accepting it twice is one activity.</summary>
    public string Accept(string username, string remoteFollowId) =>
        $"{Actor(username)}/accepts/{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(remoteFollowId)))[..32]}";

    /// <summary>The local username an actor id of ours names, or null when it is not one of ours.</summary>
    public string? UsernameOf(string? actorId)
    {
        var prefix = Origin + "/users/";
        if (actorId is null || !actorId.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var rest = actorId[prefix.Length..];
        return rest.Length > 0 && !rest.Contains('/') && !rest.Contains('#') ? rest : null;
    }

    /// <summary>The (author, check-in id) a note id of ours names, or null.</summary>
    public (string Username, string CheckinId)? CheckinOf(string? noteId)
    {
        var prefix = Origin + "/users/";
        if (noteId is null || !noteId.StartsWith(prefix, StringComparison.Ordinal))
        {
            return null;
        }
        var parts = noteId[prefix.Length..].Split('/');
        return parts is [var user, "checkins", var id] && user.Length > 0 && id.Length > 0 ? (user, id) : null;
    }
}
