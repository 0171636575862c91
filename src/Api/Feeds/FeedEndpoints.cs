using System.Security.Claims;
using Herenow.Api.Checkins;
using Herenow.Api.Common;
using Herenow.Api.Problems;
using Herenow.Api.Sessions;
using Herenow.Grains.Checkins;
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

    /// <summary>One call to the caller's feed grain, then the page is filtered for what the caller may see now.</summary>
    private static async Task<IResult> Home(HttpContext context, ClaimsPrincipal user, IGrainFactory grains, CheckinViews views)
    {
        var errors = new FieldErrors();
        if (Paging.Read(context.Request, errors) is not { } page) return errors.ToResult();
        var caller = user.Caller()!;
        var entries = await grains.GetGrain<IFeedGrain>(caller).GetPage(page);
        Paging.WriteLink(context, entries, e => e.Id);
        return Results.Ok(await views.VisibleAsync(entries, caller, onlyFollowed: true));
    }

    /// <summary>Asks every shard for its page in parallel and merges them newest first.</summary>
    private static async Task<IResult> Global(HttpContext context, ClaimsPrincipal user, IGrainFactory grains, CheckinViews views)
    {
        var errors = new FieldErrors();
        if (Paging.Read(context.Request, errors) is not { } page) return errors.ToResult();
        var shards = await Task.WhenAll(GlobalFeed.AllShards().Select(s => grains.GetGrain<IGlobalFeedShardGrain>(s).GetPage(page)));
        var merged = page.Apply(shards.SelectMany(s => s).OrderByDescending(e => e.Id, StringComparer.Ordinal), e => e.Id);
        Paging.WriteLink(context, merged, e => e.Id);
        return Results.Ok(await views.VisibleAsync(merged.Where(e => e.Visibility == Visibility.Public).ToList(), user.Caller()));
    }
}
