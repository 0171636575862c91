using System.Security.Claims;
using Herenow.Api.Checkins;
using Herenow.Api.Common;
using Herenow.Api.Problems;
using Herenow.Api.Sessions;
using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;
using Herenow.Grains.Pages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herenow.Api.Feeds;

public static class FeedEndpoints
{
    public static IEndpointRouteBuilder MapFeedEndpoints(this IEndpointRouteBuilder routes)
    {
        var feeds = routes.MapGroup("/api/v1/feeds").WithTags("Feeds");
        feeds.MapGet("/home", Home).RequireAuthorization();
        feeds.MapGet("/global", Global);
        return routes;
    }

    /// <summary>
    /// One call to the caller's feed grain, which returns the finished page: entries, records, authors and what the
    /// caller may see now, all decided in the silo from its caches (docs/adr/0027-feeds-as-caches.md).
    /// </summary>
    private static async Task<Results<Ok<List<CheckinResponse>>, FieldErrorsProblem>> Home(HttpContext context, ClaimsPrincipal user,
        IGrainFactory grains, CheckinResponses responses)
    {
        var errors = new FieldErrors();
        if (Paging.Read(context.Request, errors) is not { } page) return errors.ToResult();
        var caller = user.Caller()!;
        var home = await grains.GetGrain<IFeedGrain>(caller).GetHomeView(page);
        Paging.WriteLink(context, home.NewestId, home.OldestId);
        return TypedResults.Ok(responses.Render(home.Items));
    }

    /// <summary>One call, answered by the gateway silo from its own copy of the global feed.</summary>
    private static async Task<Results<Ok<List<CheckinResponse>>, FieldErrorsProblem>> Global(HttpContext context, ClaimsPrincipal user,
        IGrainFactory grains, CheckinResponses responses)
    {
        var errors = new FieldErrors();
        if (Paging.Read(context.Request, errors) is not { } page) return errors.ToResult();
        var viewer = user.Caller();
        var global = await grains.GetGrain<IPagesGrain>(0).GetGlobalView(page, viewer);
        Paging.WriteLink(context, global.NewestId, global.OldestId);
        return TypedResults.Ok(responses.Render(global.Items));
    }
}
