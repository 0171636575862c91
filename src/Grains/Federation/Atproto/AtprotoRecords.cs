using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Herenow.Grains.Checkins;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Media;

namespace Herenow.Grains.Federation.Atproto;

/// <summary>
/// What a public check-in becomes in the user's AT Protocol repository (docs/adr/0019-atproto-relay.md): a location
/// record in Herenow's collection, shaped like <c>community.lexicon.location.geo</c>, and an <c>app.bsky.feed.post</c>
/// that embeds a reference to it (and the photos). Both use the same record key, derived from the check-in id.
/// </summary>
public sealed class AtprotoRecords(ApUrls urls)
{
    public const string PostCollection = "app.bsky.feed.post";
    public const string CheckinCollection = "app.herenow.checkin";
    public const int MaxGraphemes = 300;
    public const int MaxImages = 4;

    /// <summary>The lexicon's limit per image (app.bsky.embed.images: 1,000,000 bytes; newer servers allow 2,000,000).</summary>
    public const int MaxImageBytes = 1_000_000;

    public JsonObject Location(CheckinRecord checkin, string postUri) => new()
    {
        ["$type"] = CheckinCollection,
        ["location"] = new JsonObject
        {
            ["$type"] = "community.lexicon.location.geo",
            // Strings, as the lexicon wants them (AT Protocol data has no floats).
            ["latitude"] = checkin.Latitude.ToString("F6", CultureInfo.InvariantCulture),
            ["longitude"] = checkin.Longitude.ToString("F6", CultureInfo.InvariantCulture),
            ["name"] = checkin.Place.Name,
        },
        ["place"] = new JsonObject { ["id"] = checkin.Place.Id, ["name"] = checkin.Place.Name, ["category"] = checkin.Place.Category },
        ["post"] = postUri,
        ["url"] = urls.Note(checkin.Author, checkin.Id),
        ["createdAt"] = Timestamp(checkin.CreatedAt),
    };

    /// <param name="images">Uploaded blobs with the photo each came from, in the check-in's order (at most 4).</param>
    /// <param name="location">The location record's strong reference: the post embeds it.</param>
    /// <param name="location">The location record's strong reference, or null for a check-in in a privacy zone (which has none).</param>
    public JsonObject Post(CheckinRecord checkin, IReadOnlyList<(JsonNode Blob, MediaAttachment Media)> images, (string Uri, string Cid)? location)
    {
        var link = urls.Note(checkin.Author, checkin.Id);
        var (text, linkStart) = Text(checkin.InPrivacyZone ? "a private place" : checkin.Place.Name, checkin.Shout, link);
        var byteStart = Encoding.UTF8.GetByteCount(text.AsSpan(0, linkStart));
        var record = location is { } l
            ? new JsonObject { ["$type"] = "app.bsky.embed.record", ["record"] = new JsonObject { ["uri"] = l.Uri, ["cid"] = l.Cid } }
            : null;
        JsonObject? embed = record;
        if (images.Count > 0)
        {
            var media = new JsonObject
            {
                ["$type"] = "app.bsky.embed.images",
                ["images"] = new JsonArray(images.Take(MaxImages).Select(i => (JsonNode)new JsonObject
                {
                    ["image"] = i.Blob.DeepClone(),
                    ["alt"] = i.Media.Description ?? "",
                    ["aspectRatio"] = new JsonObject { ["width"] = i.Media.Width, ["height"] = i.Media.Height },
                }).ToArray()),
            };
            embed = record is null ? media : new JsonObject { ["$type"] = "app.bsky.embed.recordWithMedia", ["record"] = record, ["media"] = media };
        }
        var post = new JsonObject
        {
            ["$type"] = PostCollection,
            ["text"] = text,
            ["facets"] = new JsonArray(new JsonObject
            {
                ["index"] = new JsonObject { ["byteStart"] = byteStart, ["byteEnd"] = byteStart + Encoding.UTF8.GetByteCount(link) },
                ["features"] = new JsonArray(new JsonObject { ["$type"] = "app.bsky.richtext.facet#link", ["uri"] = link }),
            }),
            // The language is not known (the shout may be in any); "und" is BCP 47 for undetermined.
            ["langs"] = new JsonArray("und"),
            ["createdAt"] = Timestamp(checkin.CreatedAt),
        };
        if (embed is not null)
        {
            post["embed"] = embed;
        }
        return post;
    }

    /// <summary>
    /// "📍 Place", the shout, and the link on its own line, within 300 graphemes: the link is kept whole, the shout
    /// (then the place name) is cut with an ellipsis. Returns the text and where the link starts (a char index).
    /// </summary>
    public static (string Text, int LinkStart) Text(string place, string? shout, string link)
    {
        var budget = MaxGraphemes - Graphemes(link) - 1; // the link and the new line before it
        var head = Fit("📍 " + place, Math.Max(budget, 1));
        if (!string.IsNullOrWhiteSpace(shout) && budget - Graphemes(head) - 1 > 1)
        {
            head += "\n" + Fit(shout.Trim(), budget - Graphemes(head) - 1);
        }
        return (head + "\n" + link, head.Length + 1);
    }

    public static int Graphemes(string text) => new StringInfo(text).LengthInTextElements;

    private static string Fit(string text, int graphemes)
    {
        var info = new StringInfo(text);
        return info.LengthInTextElements <= graphemes ? text : info.SubstringByTextElements(0, Math.Max(graphemes - 1, 0)) + "…";
    }

    private static string Timestamp(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
