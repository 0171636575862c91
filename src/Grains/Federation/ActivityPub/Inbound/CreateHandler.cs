using System.Net;
using System.Text.RegularExpressions;
using Herenow.Grains.Checkins;

namespace Herenow.Grains.Federation.ActivityPub.Inbound;

/// <summary>
/// Create of a public or followers-only Note, embedded and by its signer, from an actor local users follow: kept as a
/// remote check-in (its place when it has coordinates) and put in those users' home feeds. Repeats map to the same
/// record (<see cref="RemoteNotes"/> is keyed by the note's id) and feeds dedupe by check-in id.
/// </summary>
public sealed partial class CreateHandler(RemoteGraph graph, RemoteNotes notes, IGrainFactory grains, TimeProvider clock) : IActivityHandler
{
    /// <summary>The place id of remote check-ins: they belong to no local place (no stats, no mayor).</summary>
    public const string RemotePlaceId = "remote";

    private const int MaxShoutLength = 500;

    public string Type => "Create";

    public async Task ApplyAsync(InboundActivity activity)
    {
        var (json, signer) = (activity.Json, activity.Actor);
        if (json.FirstObject("object") is not { } note || !note.IsType("Note") || note.Text("id") is not { } noteId ||
            note.IdOf("attributedTo") != signer.Id)
        {
            return; // only notes, embedded, by the actor who signed
        }
        var homes = await graph.LocalFollowersOfAsync(signer.Id);
        var audience = note.Ids("to").Concat(note.Ids("cc")).Concat(json.Ids("to")).Concat(json.Ids("cc")).ToHashSet();
        Visibility? visibility = audience.Contains(LdJson.Public) || audience.Contains("as:Public") || audience.Contains("Public")
            ? Visibility.Public
            : audience.Any(a => a.EndsWith("/followers", StringComparison.Ordinal)) ? Visibility.Followers : null;
        if (homes.Count == 0 || visibility is null)
        {
            return; // nobody here follows them, or a direct message (not a check-in; not shown)
        }
        var now = clock.GetUtcNow();
        var published = DateTimeOffset.TryParse(note.Text("published"), out var p) ? p : now;
        var localId = await notes.MapAsync(noteId, signer.Id, published);
        var location = note.FirstObject("location");
        var (lat, lon) = (location?.Number("latitude"), location?.Number("longitude"));
        var hasPlace = lat is >= -90 and <= 90 && lon is >= -180 and <= 180;
        var place = hasPlace
            ? new PlaceSnapshot(RemotePlaceId, Truncate(location!.Value.Text("name") ?? "", 200), lat!.Value, lon!.Value, null)
            : new PlaceSnapshot("", "", 0, 0, null);
        var record = new CheckinRecord(localId, signer.Handle, place, place.Latitude, place.Longitude, null,
            Truncate(PlainText(note.Text("content") ?? ""), MaxShoutLength), visibility.Value, [],
            published > now ? now : published, 0);
        await grains.GetGrain<ICheckinGrain>(localId).Create(record);
        await grains.GetGrain<IFederationGrain>(0).DeliverToHomes(record.ToEvent(), homes);
    }

    /// <summary>The text of an HTML note: paragraphs and breaks become new lines, tags go, entities are decoded.</summary>
    public static string PlainText(string html)
    {
        var text = BreakPattern().Replace(html, "\n");
        text = TagPattern().Replace(text, "");
        return WebUtility.HtmlDecode(text).Trim();
    }

    private static string Truncate(string text, int max) => text.Length <= max ? text : text[..max];

    [GeneratedRegex(@"<br\s*/?>|</p>\s*<p[^>]*>", RegexOptions.IgnoreCase)]
    private static partial Regex BreakPattern();

    [GeneratedRegex("<[^>]*>")]
    private static partial Regex TagPattern();
}
