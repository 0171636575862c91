using System.Security.Claims;
using Herenow.Api.Checkins;
using Herenow.Api.Common;
using Herenow.Api.Problems;
using Herenow.Api.Sessions;
using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;

namespace Herenow.Api.Feeds;

public static class FeedEndpoints
{
    public static IEndpointRouteBuilder MapFeedEndpoints(this IEndpointRouteBuilder routes)
    {
        var feeds = routes.MapGroup("/api/v1/feeds").WithTags("Feeds");
        feeds.MapGet("/home", Home).RequireAuthorization().Produces<List<CheckinResponse>>();
        feeds.MapGet("/global", Global).Produces<List<CheckinResponse>>();
        return routes;
    }

    /// <summary>
    /// One call to the caller's feed grain, then the page is filtered for what the caller may see now. Past the
    /// feed's bounded length (older pages), the rest of the page comes from the followed accounts' histories.
    /// </summary>
    private static async Task<IResult> Home(HttpContext context, ClaimsPrincipal user, IGrainFactory grains, CheckinViews views)
    {
        var errors = new FieldErrors();
        if (Paging.Read(context.Request, errors) is not { } page) return errors.ToResult();
        var caller = user.Caller()!;
        var home = await grains.GetGrain<IFeedGrain>(caller).GetHomePage(page);
        var entries = home.Entries;
        if (home.OlderInHistories)
        {
            var olderThan = entries.Count > 0 ? entries[^1].Id : page.MaxId;
            entries = [.. entries, .. await FromHistories(caller, page with { MaxId = olderThan, Limit = page.Limit - entries.Count }, grains)];
        }
        Paging.WriteLink(context, entries, e => e.Id);
        return Results.Ok(await views.VisibleAsync(entries, caller, onlyFollowed: true));
    }

    /// <summary>
    /// The slow path for deep pages: one history call per followed account (and the caller), merged newest first.
    /// Rare by design — feeds keep the newest ~800 entries — so it trades fan-in for not storing every feed forever.
    /// </summary>
    private static async Task<List<CheckinEntry>> FromHistories(string caller, PageQuery page, IGrainFactory grains)
    {
        var following = await grains.GetGrain<IUserGrain>(caller).GetFollowing(PageQuery.First(int.MaxValue));
        var own = grains.GetGrain<IUserGrain>(caller).GetHistory(page, includeFollowersOnly: true, includePrivate: true);
        var theirs = following.Select(f => grains.GetGrain<IUserGrain>(f.Username).GetHistory(page, includeFollowersOnly: true, includePrivate: false));
        var pages = await Task.WhenAll(theirs.Append(own));
        return pages.SelectMany(p => p).OrderByDescending(e => e.Id, StringComparer.Ordinal).Take(page.Limit).ToList();
    }

    /// <summary>Asks every shard for its page in parallel and merges them newest first.</summary>
    private static async Task<IResult> Global(HttpContext context, ClaimsPrincipal user, IGrainFactory grains, CheckinViews views)
    {
        var errors = new FieldErrors();
        if (Paging.Read(context.Request, errors) is not { } page) return errors.ToResult();
        var merged = await GlobalFeed.ReadPageAsync(grains, page);
        Paging.WriteLink(context, merged, e => e.Id);
        return Results.Ok(await views.VisibleAsync(merged.Where(e => e.Visibility == Visibility.Public).ToList(), user.Caller()));
    }
}
