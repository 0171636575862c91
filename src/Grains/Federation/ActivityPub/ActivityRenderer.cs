using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Herenow.Grains.Checkins;
using Herenow.Grains.Media;

namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>A local user as an actor shows them.</summary>
public sealed record LocalActor(string Username, string DisplayName, string Note, DateTimeOffset CreatedAt, string PublicKeyPem);

/// <summary>
/// Renders Herenow's objects as ActivityStreams JSON, Mastodon-compatible: the check-in as a Note with its place as a
/// <c>location</c> Place (as Pixelfed sends it) and its photos as Image attachments with blurhash.
/// </summary>
public sealed class ActivityRenderer(ApUrls urls, Func<string, string> mediaUrl)
{
    private static JsonArray Context() =>
    [
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        new JsonObject
        {
            ["toot"] = "http://joinmastodon.org/ns#",
            ["blurhash"] = "toot:blurhash",
            ["discoverable"] = "toot:discoverable",
            ["manuallyApprovesFollowers"] = "as:manuallyApprovesFollowers",
            ["sensitive"] = "as:sensitive",
        },
    ];

    public JsonObject Actor(LocalActor actor)
    {
        var id = urls.Actor(actor.Username);
        return new JsonObject
        {
            ["@context"] = Context(),
            ["id"] = id,
            ["type"] = actor.Username == ApUrls.InstanceActorName ? "Application" : "Person",
            ["preferredUsername"] = actor.Username == ApUrls.InstanceActorName ? urls.Origin[(urls.Origin.IndexOf("//", StringComparison.Ordinal) + 2)..] : actor.Username,
            ["name"] = actor.DisplayName,
            ["summary"] = actor.Note.Length == 0 ? null : $"<p>{WebUtility.HtmlEncode(actor.Note)}</p>",
            ["url"] = id,
            ["published"] = Timestamp(actor.CreatedAt),
            ["inbox"] = urls.Inbox(actor.Username),
            ["outbox"] = urls.Outbox(actor.Username),
            ["followers"] = urls.Followers(actor.Username),
            ["following"] = urls.Following(actor.Username),
            ["endpoints"] = new JsonObject { ["sharedInbox"] = urls.SharedInbox },
            ["manuallyApprovesFollowers"] = false,
            ["discoverable"] = true,
            ["publicKey"] = new JsonObject
            {
                ["id"] = urls.KeyId(actor.Username),
                ["owner"] = id,
                ["publicKeyPem"] = actor.PublicKeyPem,
            },
        };
    }

    /// <summary>Public: to Public, cc followers. Followers: to followers only. Private check-ins are never rendered.</summary>
    public (JsonArray To, JsonArray Cc) Audience(string author, Visibility visibility) => visibility switch
    {
        Visibility.Public => ([LdJson.Public], [urls.Followers(author)]),
        Visibility.Followers => ([urls.Followers(author)], []),
        _ => throw new InvalidOperationException("Private check-ins are never federated."),
    };

    public JsonObject Note(CheckinRecord checkin, bool withContext = true)
    {
        var id = urls.Note(checkin.Author, checkin.Id);
        var (to, cc) = Audience(checkin.Author, checkin.Visibility);
        var note = new JsonObject
        {
            ["id"] = id,
            ["type"] = "Note",
            ["attributedTo"] = urls.Actor(checkin.Author),
            ["content"] = Content(checkin, id),
            ["published"] = Timestamp(checkin.CreatedAt),
            ["url"] = id,
            ["to"] = to,
            ["cc"] = cc,
            ["sensitive"] = false,
            ["attachment"] = new JsonArray((checkin.Media ?? []).Select(m => (JsonNode)Image(m)).ToArray()),
        };
        // In a privacy zone: no Place, no coordinates, no place name (the content says only that it was somewhere).
        if (!checkin.InPrivacyZone)
        {
            note["location"] = Place(checkin);
        }
        if (withContext)
        {
            note.Insert(0, "@context", Context());
        }
        return note;
    }

    public JsonObject Create(CheckinRecord checkin)
    {
        var (to, cc) = Audience(checkin.Author, checkin.Visibility);
        return new JsonObject
        {
            ["@context"] = Context(),
            ["id"] = urls.Create(checkin.Author, checkin.Id),
            ["type"] = "Create",
            ["actor"] = urls.Actor(checkin.Author),
            ["published"] = Timestamp(checkin.CreatedAt),
            ["to"] = to,
            ["cc"] = cc,
            ["object"] = Note(checkin, withContext: false),
        };
    }

    public JsonObject Delete(string author, string checkinId, Visibility visibility)
    {
        var (to, cc) = Audience(author, visibility);
        return new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = urls.Delete(author, checkinId),
            ["type"] = "Delete",
            ["actor"] = urls.Actor(author),
            ["to"] = to,
            ["cc"] = cc,
            ["object"] = new JsonObject { ["id"] = urls.Note(author, checkinId), ["type"] = "Tombstone", ["formerType"] = "Note" },
        };
    }

    /// <summary>The actor is gone (account deletion): addressed to the public, as the fediverse expects of actor deletes.</summary>
    public JsonObject DeleteActor(string username) => new()
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams",
        ["id"] = urls.Actor(username) + "#delete",
        ["type"] = "Delete",
        ["actor"] = urls.Actor(username),
        ["to"] = new JsonArray("https://www.w3.org/ns/activitystreams#Public"),
        ["object"] = urls.Actor(username),
    };

    /// <param name="followId">The Follow's full id (<see cref="ApUrls.Follow"/>), as stored with the edge.</param>
    public JsonObject Follow(string username, string followId, string target) => new()
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams",
        ["id"] = followId,
        ["type"] = "Follow",
        ["actor"] = urls.Actor(username),
        ["object"] = target,
    };

    /// <summary>Undo of one of our own activities, embedding it so the receiver needs no fetch.</summary>
    public JsonObject Undo(string username, JsonObject activity)
    {
        activity.Remove("@context");
        return new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = ApUrls.Undo(activity["id"]!.GetValue<string>()),
            ["type"] = "Undo",
            ["actor"] = urls.Actor(username),
            ["object"] = activity,
        };
    }

    public JsonObject Accept(string username, string remoteFollowId, string remoteActor) => new()
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams",
        ["id"] = urls.Accept(username, remoteFollowId),
        ["type"] = "Accept",
        ["actor"] = urls.Actor(username),
        ["to"] = new JsonArray(remoteActor),
        ["object"] = new JsonObject
        {
            ["id"] = remoteFollowId,
            ["type"] = "Follow",
            ["actor"] = remoteActor,
            ["object"] = urls.Actor(username),
        },
    };

    /// <summary>Readable without any client support for places: "📍 Place" linked to the check-in, then the shout.</summary>
    private static string Content(CheckinRecord checkin, string link)
    {
        var placeName = checkin.InPrivacyZone ? "a private place" : checkin.Place.Name;
        var place = $"<p>📍 <a href=\"{WebUtility.HtmlEncode(link)}\">{WebUtility.HtmlEncode(placeName)}</a></p>";
        return string.IsNullOrWhiteSpace(checkin.Shout) ? place : place + $"<p>{WebUtility.HtmlEncode(checkin.Shout)}</p>";
    }

    /// <summary>
    /// The place, with the check-in's own position (what the REST API shows the same audience). <c>accuracy</c> and
    /// <c>units</c> carry the reported GPS accuracy in metres when the app gave one.
    /// </summary>
    private static JsonObject Place(CheckinRecord checkin)
    {
        var place = new JsonObject
        {
            ["type"] = "Place",
            ["name"] = checkin.Place.Name,
            ["latitude"] = Math.Round(checkin.Latitude, 6),
            ["longitude"] = Math.Round(checkin.Longitude, 6),
        };
        if (checkin.AccuracyM is { } accuracy)
        {
            place["accuracy"] = Math.Round(accuracy, 1);
            place["units"] = "m";
        }
        return place;
    }

    private JsonObject Image(MediaAttachment media) => new()
    {
        ["type"] = "Image",
        ["mediaType"] = media.DisplayKey.EndsWith(".png", StringComparison.Ordinal) ? "image/png" : "image/jpeg",
        ["url"] = mediaUrl(media.DisplayKey),
        ["name"] = media.Description,
        ["blurhash"] = media.Blurhash,
        ["width"] = media.Width,
        ["height"] = media.Height,
    };

    public static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
