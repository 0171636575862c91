using Herenow.Api.Accounts;
using Herenow.Api.Federation;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Api.Media;
using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;

namespace Herenow.Api.Checkins;

public sealed record PlaceSummary(string Id, string Name, double Latitude, double Longitude, string? Category);

public sealed record CheckinResponse(
    string Id,
    AccountResponse Account,
    PlaceSummary? Place,
    double? Latitude,
    double? Longitude,
    double? AccuracyM,
    string? Shout,
    string Visibility,
    IReadOnlyList<MediaResponse> Media,
    DateTimeOffset CreatedAt,
    int LikesCount)
{
    /// <summary>The check-in's ActivityPub id, for local check-ins (null for fediverse posts; their author's url is on the account).</summary>
    public string? Uri { get; init; }

    /// <summary>Made inside one of the author's privacy zones: others see no place and no coordinates.</summary>
    public bool InPrivacyZone { get; init; }

    /// <summary>Post later: false while held (only its author sees it); <see cref="PublishAt"/> says when it goes out (null: at the next check-in).</summary>
    public bool Published { get; init; } = true;

    public DateTimeOffset? PublishAt { get; init; }
}

/// <summary>
/// Check-ins as the REST contract shows them (<see cref="CheckinResponse"/>), from the per-viewer views the silo builds
/// or, off the page paths, from entries it filters with the one visibility policy (<see cref="CheckinVisibility"/>):
/// decided from the author's current relationship to the viewer, never from what a list happened to hold.
/// </summary>
public sealed class CheckinResponses(IGrainFactory grains, MediaUrls mediaUrls, RemoteAccounts remote, ApUrls urls, TimeProvider clock)
{
    public async Task<List<CheckinResponse>> VisibleAsync(IReadOnlyList<CheckinEntry> entries, string? viewer, bool onlyFollowed = false)
    {
        var authors = entries.Select(e => e.Author).Distinct().ToList();
        var relationships = (await Task.WhenAll(authors.Select(a => RelationshipAsync(a, viewer))))
            .Select((r, i) => (authors[i], r)).ToDictionary(x => x.Item1, x => x.r);
        var visible = entries.Where(e => Admits(relationships[e.Author], e, onlyFollowed)).ToList();

        var records = await Task.WhenAll(visible.Select(e => grains.GetGrain<ICheckinGrain>(e.Id).Get()));
        var accounts = await AccountsAsync(records.Where(r => r is not null).Select(r => r!.Author), viewer);
        var now = clock.GetUtcNow();
        return records.OfType<CheckinRecord>().Select(r => (Record: r, Access: CheckinVisibility.Of(r, relationships[r.Author], now)))
            .Where(x => x.Access != CheckinAccess.Hidden)
            .Select(x => ToResponse(x.Record, accounts[x.Record.Author], x.Access)).ToList();
    }

    /// <summary>
    /// Whether the viewer may learn about an entry without reading its record: for delete notices, whose record
    /// is already gone. Same rule as <see cref="VisibleAsync"/>.
    /// </summary>
    public async Task<bool> MaySeeAsync(CheckinEntry entry, string? viewer, bool onlyFollowed = false) =>
        Admits(await RelationshipAsync(entry.Author, viewer), entry, onlyFollowed);

    /// <summary>Remote authors (user@domain) relate through the federated follow graph; local ones through their grain.</summary>
    private Task<Relationship> RelationshipAsync(string author, string? viewer) =>
        RemoteAccounts.IsRemote(author) ? remote.RelationshipAsync(author, viewer) : grains.GetGrain<IUserGrain>(author).GetRelationship(viewer);

    private static bool Admits(Relationship r, CheckinEntry e, bool onlyFollowed) =>
        CheckinVisibility.MaySee(e.Visibility, r) && (!onlyFollowed || r.IsSelf || r.ViewerFollows);

    /// <summary>Renders views built in the silo (<see cref="Herenow.Grains.Pages.PageBuilder"/>): no grain call here.</summary>
    public List<CheckinResponse> Render(IEnumerable<Herenow.Grains.Pages.CheckinView> views) =>
        views.Select(v => ToResponse(v.Checkin, v.AuthorUrl is null ? AccountResponse.From(v.Author)
            : AccountResponse.From(v.Author) with { CreatedAt = null, Url = v.AuthorUrl }, v.Access)).ToList();

    /// <summary>One check-in by id; null when it does not exist or the viewer may not see it (both are 404).</summary>
    public async Task<CheckinResponse?> OneAsync(string id, string? viewer)
    {
        var record = await grains.GetGrain<ICheckinGrain>(id).Get();
        if (record is null)
        {
            return null;
        }
        var access = await AccessAsync(record, viewer);
        if (access == CheckinAccess.Hidden)
        {
            return null;
        }
        var accounts = await AccountsAsync([record.Author], viewer);
        return ToResponse(record, accounts[record.Author], access);
    }

    /// <summary>What the viewer may see of this check-in (<see cref="CheckinVisibility.Of"/>), local or fediverse author.</summary>
    public async Task<CheckinAccess> AccessAsync(CheckinRecord record, string? viewer) =>
        CheckinVisibility.Of(record, await RelationshipAsync(record.Author, viewer), clock.GetUtcNow());

    /// <summary>A check-in shown to its author, who came with it (<see cref="IUserGrain.Post"/>): no call here.</summary>
    public CheckinResponse Own(PostedCheckin posted) =>
        ToResponse(posted.Record, AccountResponse.From(posted.Author), CheckinAccess.Full); // its author: CheckinVisibility gives all

    private async Task<Dictionary<string, AccountResponse>> AccountsAsync(IEnumerable<string> authors, string? viewer)
    {
        var distinct = authors.Distinct().ToList();
        var views = await Task.WhenAll(distinct.Select(async a => RemoteAccounts.IsRemote(a)
            ? await remote.ViewAsync(a)
            : await grains.GetGrain<IUserGrain>(a).GetAccount(viewer) is { } view ? AccountResponse.From(view) : null));
        return distinct.Select((a, i) => (a, views[i])).Where(x => x.Item2 is not null)
            .ToDictionary(x => x.a, x => x.Item2!);
    }

    public static string Name(Visibility visibility) => visibility switch
    {
        Visibility.Followers => "followers",
        Visibility.Private => "private",
        _ => "public",
    };

    /// <summary>
    /// Fediverse posts (author user@domain) may come without a place: place and coordinates are then null. Their
    /// shout is the note's text.
    /// </summary>
    /// <remarks>
    /// A check-in made inside one of its author's privacy zones shows its place and coordinates to its author only
    /// (<see cref="CheckinAccess.WithoutPlace"/> for everyone else).
    /// </remarks>
    private CheckinResponse ToResponse(CheckinRecord r, AccountResponse account, CheckinAccess access)
    {
        var hasPlace = r.Place.Id.Length > 0 && access == CheckinAccess.Full;
        return new(r.Id, account,
            hasPlace ? new PlaceSummary(r.Place.Id, r.Place.Name, r.Place.Latitude, r.Place.Longitude, r.Place.Category) : null,
            hasPlace ? r.Latitude : null, hasPlace ? r.Longitude : null, hasPlace ? r.AccuracyM : null, r.Shout, Name(r.Visibility),
            r.Media?.Select(mediaUrls.Response).ToList() ?? [], r.CreatedAt, r.LikesCount)
        {
            Uri = RemoteAccounts.IsRemote(r.Author) ? null : urls.Note(r.Author, r.Id),
            InPrivacyZone = r.InPrivacyZone,
            Published = r.IsPublished(clock.GetUtcNow()),
            PublishAt = r.PublishAt,
        };
    }
}
