using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Federation;
using Herenow.Grains.Federation.ActivityPub;
using Npgsql;

namespace Herenow.Api.Federation;

/// <summary>
/// Applies one verified inbound activity. Idempotent by activity id (<c>ap_inbox_seen</c>, recorded after the
/// activity was applied, so a failure half-way is retried by the sender) and every handler is itself idempotent,
/// so a repeat after a crash between the two changes nothing: at-least-once delivery, idempotent consumer.
/// </summary>
public sealed partial class InboxProcessor(
    NpgsqlDataSource database,
    RemoteGraph graph,
    RemoteNotes notes,
    RemoteActors actors,
    Outbox outbox,
    ActivityRenderer renderer,
    ApUrls urls,
    IGrainFactory grains,
    TimeProvider clock,
    ILogger<InboxProcessor> logger)
{
    private const int MaxShoutLength = 500;

    public async Task ProcessAsync(RemoteActor signer, JsonElement activity)
    {
        var id = activity.Text("id")!;
        if (await SeenAsync(id))
        {
            return;
        }
        var type = activity.Type();
        switch (type)
        {
            case "Follow": await FollowAsync(signer, activity, id); break;
            case "Undo": await UndoAsync(signer, activity); break;
            case "Accept": await graph.AcceptFollowingAsync(activity.IdOf("object") ?? "", signer.Id); break;
            case "Reject": await RejectAsync(signer, activity); break;
            case "Like": await LikeAsync(signer, activity.IdOf("object"), liked: true); break;
            case "Create": await CreateAsync(signer, activity); break;
            case "Delete": await DeleteAsync(signer, activity); break;
            case "Update" when activity.IdOf("object") == signer.Id: await actors.GetAsync(signer.Id, refresh: true); break;
            default: LogIgnored(logger, type ?? "(none)", signer.Id); break;
        }
        await MarkSeenAsync(id);
    }

    private async Task FollowAsync(RemoteActor signer, JsonElement activity, string followId)
    {
        var username = urls.UsernameOf(activity.IdOf("object"));
        var settings = username is null ? null : await grains.GetGrain<IUserGrain>(username).GetSettings();
        if (username is null || settings is null || !settings.ActivityPub || settings.Deleting)
        {
            return; // not one of ours, or a user who does not federate: nothing to accept
        }
        await graph.AddFollowerAsync(username, signer.Id, followId);
        // Accepted at once (accounts are not locked); the Accept is queued durably like any delivery.
        await outbox.SendAsync(renderer.Accept(username, followId, signer.Id), username, [signer.Inbox]);
    }

    private async Task UndoAsync(RemoteActor signer, JsonElement activity)
    {
        var inner = activity.FirstObject("object");
        var innerType = inner?.Type();
        if (innerType == "Follow" || inner is null)
        {
            // An embedded Follow names its target; a bare id is looked up among this actor's follows.
            var target = inner is { } follow ? urls.UsernameOf(follow.IdOf("object")) : null;
            await graph.RemoveFollowerAsync(target, signer.Id, inner?.Text("id") ?? activity.IdOf("object"));
        }
        else if (innerType == "Like")
        {
            await LikeAsync(signer, inner.Value.IdOf("object"), liked: false);
        }
    }

    private Task RejectAsync(RemoteActor signer, JsonElement activity) =>
        graph.RejectFollowingAsync(activity.IdOf("object") ?? "", signer.Id);

    private async Task LikeAsync(RemoteActor signer, string? objectId, bool liked)
    {
        if (urls.CheckinOf(objectId) is not var (author, checkinId) || !TimeOrderedId.IsValid(checkinId))
        {
            return;
        }
        var checkin = grains.GetGrain<ICheckinGrain>(checkinId);
        var record = await checkin.Get();
        if (record is null || record.Author != author)
        {
            return;
        }
        // Only what the liker may see, by the one policy: a fediverse actor who may follow the author (remotely).
        var liker = CheckinVisibility.FederatedViewer(await grains.GetGrain<IUserGrain>(author).GetSettings(),
            followsAuthor: await graph.IsFollowerAsync(author, signer.Id));
        if (CheckinVisibility.Of(record, liker, clock.GetUtcNow()) == CheckinAccess.Hidden)
        {
            return;
        }
        await checkin.SetLike(signer.Id, liked);
    }

    private async Task CreateAsync(RemoteActor signer, JsonElement activity)
    {
        if (activity.FirstObject("object") is not { } note || !note.IsType("Note") || note.Text("id") is not { } noteId ||
            note.IdOf("attributedTo") != signer.Id)
        {
            return; // only notes, embedded, by the actor who signed
        }
        var homes = await graph.LocalFollowersOfAsync(signer.Id);
        var audience = note.Ids("to").Concat(note.Ids("cc")).Concat(activity.Ids("to")).Concat(activity.Ids("cc")).ToHashSet();
        Visibility? visibility = audience.Contains(LdJson.Public) || audience.Contains("as:Public") || audience.Contains("Public")
            ? Visibility.Public
            : audience.Any(a => a.EndsWith("/followers", StringComparison.Ordinal)) ? Visibility.Followers : null;
        if (homes.Count == 0 || visibility is null)
        {
            return; // nobody here follows them, or a direct message (not a check-in; not shown)
        }
        var published = DateTimeOffset.TryParse(note.Text("published"), out var p) ? p : clock.GetUtcNow();
        var localId = await notes.MapAsync(noteId, signer.Id, published);
        var location = note.FirstObject("location");
        var (lat, lon) = (location?.Number("latitude"), location?.Number("longitude"));
        var hasPlace = lat is >= -90 and <= 90 && lon is >= -180 and <= 180;
        var place = hasPlace
            ? new PlaceSnapshot(RemotePlaceId, Truncate(location!.Value.Text("name") ?? "", 200), lat!.Value, lon!.Value, null)
            : new PlaceSnapshot("", "", 0, 0, null);
        var record = new CheckinRecord(localId, signer.Handle, place, place.Latitude, place.Longitude, null,
            Truncate(PlainText(note.Text("content") ?? ""), MaxShoutLength), visibility.Value, [],
            published > clock.GetUtcNow() ? clock.GetUtcNow() : published, 0);
        await grains.GetGrain<ICheckinGrain>(localId).Create(record);
        await grains.GetGrain<IFederationGrain>(0).DeliverToHomes(record.ToEvent(), homes);
    }

    private async Task DeleteAsync(RemoteActor signer, JsonElement activity)
    {
        var objectId = activity.IdOf("object");
        if (objectId == signer.Id)
        {
            // The actor is gone: their posts leave the home feeds, their follows end, the cache entry is marked.
            var homes = await graph.LocalFollowersOfAsync(signer.Id);
            foreach (var localId in await notes.ByActorAsync(signer.Id))
            {
                await RemoveNoteAsync(localId, signer, homes);
            }
            await graph.RemoveActorAsync(signer.Id);
            return;
        }
        if (objectId is not null && await notes.LocalIdAsync(objectId, signer.Id) is { } id)
        {
            await RemoveNoteAsync(id, signer, await graph.LocalFollowersOfAsync(signer.Id));
        }
    }

    private async Task RemoveNoteAsync(string localId, RemoteActor author, List<string> homes)
    {
        var checkin = grains.GetGrain<ICheckinGrain>(localId);
        var visibility = (await checkin.Get())?.Visibility ?? Visibility.Public;
        await checkin.MarkDeleted(null); // not ours: nothing to fan out but the homes below
        var deleted = new CheckinEvent(localId, author.Handle, RemotePlaceId, visibility, clock.GetUtcNow(), Deleted: true);
        await grains.GetGrain<IFederationGrain>(0).DeliverToHomes(deleted, homes);
    }

    /// <summary>The place id of remote check-ins: they belong to no local place (no stats, no mayor).</summary>
    public const string RemotePlaceId = "remote";

    private async Task<bool> SeenAsync(string id)
    {
        await using var command = database.CreateCommand("SELECT EXISTS (SELECT 1 FROM ap_inbox_seen WHERE activity_id = @id)");
        command.Parameters.AddWithValue("id", id);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private async Task MarkSeenAsync(string id)
    {
        await using var command = database.CreateCommand("INSERT INTO ap_inbox_seen (activity_id, received_at) VALUES (@id, @now) ON CONFLICT DO NOTHING");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("now", clock.GetUtcNow());
        await command.ExecuteNonQueryAsync();
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a {Type} from {Actor}")]
    private static partial void LogIgnored(ILogger logger, string type, string actor);
}
