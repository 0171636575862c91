using System.Text.Json.Nodes;
using Herenow.Api.Accounts;
using Herenow.Api.Problems;
using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Federation.ActivityPub;

namespace Herenow.Api.Federation;

/// <summary>
/// What the fediverse reads of us: each user as a Person, their outbox of public check-ins, their followers and
/// following (local and remote, one list), and each federated check-in at its own URL as a Note. Only what the
/// public may see: followers-only and private check-ins are 404 here, as in the REST API for anonymous callers.
/// </summary>
public static class ActorEndpoints
{
    private const int PageSize = 20;

    public static void MapActorEndpoints(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/users/{username}").ExcludeFromDescription();
        users.MapGet("/", Actor);
        users.MapGet("/outbox", Outbox);
        users.MapGet("/followers", (string username, int? page, IGrainFactory g, RemoteGraph r, ApUrls u) => Collection(username, page, followers: true, g, r, u));
        users.MapGet("/following", (string username, int? page, IGrainFactory g, RemoteGraph r, ApUrls u) => Collection(username, page, followers: false, g, r, u));
        users.MapGet("/checkins/{id}", Note);
        app.MapGet("/actor", InstanceActor).ExcludeFromDescription();
    }

    private static async Task<IResult> Actor(string username, IGrainFactory grains, ActorKeys keys, ActivityRenderer renderer)
    {
        if (await Account(username, grains) is not { } account)
        {
            return await DeletedActor(username, grains, keys, renderer) ?? Problem.NotFound($"No account '{username}'.");
        }
        var pair = await keys.GetOrCreateAsync(account.Username);
        return ActivityResults.Activity(renderer.Actor(new LocalActor(account.Username, account.DisplayName, account.Note, account.CreatedAt, pair.PublicPem)));
    }

    /// <summary>
    /// A deleted account: while its deletion saga still delivers the Deletes it signed, the actor is served bare (no
    /// name, no profile, just what verifying a signature needs); once the key is forgotten, 410 Gone.
    /// </summary>
    private static async Task<IResult?> DeletedActor(string username, IGrainFactory grains, ActorKeys keys, ActivityRenderer renderer)
    {
        if (!AccountRules.IsValidUsername(username) ||
            await grains.GetGrain<IUserGrain>(AccountRules.Key(username)).GetDeletion() is not { } deletion)
        {
            return null;
        }
        return deletion.DeletedAt is null && await keys.FindAsync(AccountRules.Key(username)) is { } pair
            ? ActivityResults.Activity(renderer.Actor(new LocalActor(AccountRules.Key(username), "", "", deletion.RequestedAt, pair.PublicPem)))
            : Problem.Gone($"The account '{username}' was deleted.");
    }

    /// <summary>The instance actor signs our fetches (servers in authorized-fetch mode want a key for every GET).</summary>
    private static async Task<IResult> InstanceActor(ActorKeys keys, ActivityRenderer renderer)
    {
        var pair = await keys.GetOrCreateAsync(ApUrls.InstanceActorName);
        return ActivityResults.Activity(renderer.Actor(new LocalActor(ApUrls.InstanceActorName, "Herenow", "", DateTimeOffset.UnixEpoch, pair.PublicPem)));
    }

    private static async Task<IResult> Outbox(string username, bool? page, string? max_id, IGrainFactory grains, ApUrls urls, ActivityRenderer renderer,
        TimeProvider clock)
    {
        if (await Account(username, grains) is not { } account)
        {
            return Problem.NotFound($"No account '{username}'.");
        }
        var outbox = urls.Outbox(account.Username);
        if (page is not true)
        {
            // No totalItems: it would count check-ins the public may not see.
            return ActivityResults.Activity(new JsonObject
            {
                ["@context"] = "https://www.w3.org/ns/activitystreams",
                ["id"] = outbox,
                ["type"] = "OrderedCollection",
                ["first"] = outbox + "?page=true",
            });
        }
        var author = AccountRules.Key(username); // the grain key (account.Username keeps the registered case)
        var viewer = await PublicViewer(author, grains);
        var entries = await grains.GetGrain<IUserGrain>(author).GetHistory(new PageQuery(max_id, null, null, PageSize),
            includeFollowersOnly: CheckinVisibility.MaySee(Visibility.Followers, viewer), includePrivate: CheckinVisibility.MaySee(Visibility.Private, viewer));
        var records = await Task.WhenAll(entries.Select(e => grains.GetGrain<ICheckinGrain>(e.Id).Get()));
        var now = clock.GetUtcNow();
        // Rendered as the public sees it: the renderer leaves out place and coordinates of privacy-zone check-ins,
        // which is CheckinAccess.WithoutPlace for every viewer but the author.
        var items = records.OfType<CheckinRecord>().Where(r => r.Author == author && CheckinVisibility.Of(r, viewer, now) != CheckinAccess.Hidden)
            .Select(r => (JsonNode)renderer.Create(r)).ToArray();
        foreach (var item in items)
        {
            item.AsObject().Remove("@context");
        }
        var pageId = max_id is null ? outbox + "?page=true" : $"{outbox}?page=true&max_id={Uri.EscapeDataString(max_id)}";
        var body = new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = pageId,
            ["type"] = "OrderedCollectionPage",
            ["partOf"] = outbox,
            ["orderedItems"] = new JsonArray(items),
        };
        if (entries.Count == PageSize)
        {
            body["next"] = $"{outbox}?page=true&max_id={Uri.EscapeDataString(entries[^1].Id)}";
        }
        return ActivityResults.Activity(body);
    }

    private static async Task<IResult> Collection(string username, int? page, bool followers, IGrainFactory grains, RemoteGraph graph, ApUrls urls)
    {
        if (await Account(username, grains) is not { } account)
        {
            return Problem.NotFound($"No account '{username}'.");
        }
        var id = followers ? urls.Followers(account.Username) : urls.Following(account.Username);
        var number = Math.Max(page ?? 0, 0);
        var (actors, total) = await graph.CollectionPageAsync(account.Username, followers, Math.Max(number - 1, 0) * PageSize, number == 0 ? 0 : PageSize, urls);
        if (number == 0)
        {
            return ActivityResults.Activity(new JsonObject
            {
                ["@context"] = "https://www.w3.org/ns/activitystreams",
                ["id"] = id,
                ["type"] = "OrderedCollection",
                ["totalItems"] = total,
                ["first"] = id + "?page=1",
            });
        }
        var body = new JsonObject
        {
            ["@context"] = "https://www.w3.org/ns/activitystreams",
            ["id"] = $"{id}?page={number}",
            ["type"] = "OrderedCollectionPage",
            ["partOf"] = id,
            ["totalItems"] = total,
            ["orderedItems"] = new JsonArray(actors.Select(a => (JsonNode)a).ToArray()),
        };
        if ((long)number * PageSize < total)
        {
            body["next"] = $"{id}?page={number + 1}";
        }
        return ActivityResults.Activity(body);
    }

    /// <summary>One note, to whoever asks: what <see cref="CheckinVisibility"/> shows a fediverse viewer who follows nobody here.</summary>
    private static async Task<IResult> Note(string username, string id, IGrainFactory grains, ActivityRenderer renderer, TimeProvider clock)
    {
        var record = TimeOrderedId.IsValid(id) && AccountRules.IsValidUsername(username) ? await grains.GetGrain<ICheckinGrain>(id).Get() : null;
        if (record is null || record.Author != AccountRules.Key(username) ||
            CheckinVisibility.Of(record, await PublicViewer(record.Author, grains), clock.GetUtcNow()) == CheckinAccess.Hidden)
        {
            return Problem.NotFound($"No public check-in '{id}'.");
        }
        return ActivityResults.Activity(renderer.Note(record));
    }

    /// <summary>
    /// Our ActivityPub GETs are not told apart by signer: each answers as to a fediverse viewer who follows nobody
    /// here, so only public, published check-ins of accounts that exist and federate.
    /// </summary>
    private static async Task<Relationship> PublicViewer(string author, IGrainFactory grains) =>
        CheckinVisibility.FederatedViewer(await grains.GetGrain<IUserGrain>(author).GetSettings(), followsAuthor: false);

    /// <summary>The account as the public sees it; null (404) also for users who switched ActivityPub off.</summary>
    private static async Task<AccountView?> Account(string username, IGrainFactory grains)
    {
        if (!AccountRules.IsValidUsername(username))
        {
            return null;
        }
        var user = grains.GetGrain<IUserGrain>(AccountRules.Key(username));
        return await user.GetSettings() is { ActivityPub: true } ? await user.GetAccount(null) : null;
    }
}
