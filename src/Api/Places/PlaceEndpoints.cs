using System.Security.Claims;
using Herenow.Api.Accounts;
using Herenow.Api.Checkins;
using Herenow.Api.Common;
using Herenow.Api.Idempotency;
using Herenow.Api.Problems;
using Herenow.Api.Sessions;
using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Places;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Herenow.Api.Places;

public static class PlaceEndpoints
{
    public static IEndpointRouteBuilder MapPlaceEndpoints(this IEndpointRouteBuilder routes)
    {
        var places = routes.MapGroup("/api/v1/places").WithTags("Places");
        places.MapPost("/", Create).RequireAuthorization().WithIdempotencyKey()
            .Accepts<CreatePlaceRequest>("application/json");
        places.MapGet("/nearby", Nearby);
        places.MapGet("/{id}", Get);
        places.MapGet("/{id}/checkins", Checkins);
        return routes;
    }

    private static async Task<Results<Created<PlaceResponse>, FieldErrorsProblem>> Create(CreatePlaceRequest request, ClaimsPrincipal user,
        PlaceDirectory directory, PlaceCache cache)
    {
        var errors = PlaceRules.Validate(request, user.Caller(), out var place);
        if (errors.Any)
        {
            return errors.ToResult();
        }
        var created = await directory.CreateAsync(place!);
        cache.Add(created); // the check-in that usually follows finds it in memory (and not a miss remembered before)
        return TypedResults.Created($"/api/v1/places/{created.Id}", PlaceResponse.From(created, new PlaceStats(0, 0, 0), null));
    }

    /// <summary>
    /// Query values are bound as strings and parsed here, so a bad number is a 422 with field errors. Answered from this
    /// process's in-memory index (no grain call, no database round trip) once it has loaded, from PostgreSQL until then
    /// (<see cref="PlaceDirectory.FindNearbyAsync"/>, docs/adr/0029-nearby-in-memory.md).
    /// </summary>
    private static async Task<Results<Ok<IEnumerable<NearbyPlaceResponse>>, FieldErrorsProblem>> Nearby(
        string? latitude,
        string? longitude,
        [FromQuery(Name = "radius_m")] string? radiusM,
        string? query,
        string? category,
        string? limit,
        PlaceDirectory directory)
    {
        var errors = PlaceRules.ReadNearby(latitude, longitude, radiusM, query, category, limit, out var nearby);
        if (errors.Any)
        {
            return errors.ToResult();
        }
        var places = await directory.FindNearbyAsync(nearby!);
        return TypedResults.Ok(places.Select(NearbyPlaceResponse.From));
    }

    /// <summary>One call to the place grain, plus the mayor's account as the caller sees it.</summary>
    private static async Task<Results<Ok<PlaceResponse>, NotFoundProblem>> Get(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        var view = PlaceRules.IsPlausibleId(id) ? await grains.GetGrain<IPlaceGrain>(id).GetPlace() : null;
        if (view is null)
        {
            return Problem.NotFound($"No place '{id}'.");
        }
        return TypedResults.Ok(PlaceResponse.From(view.Place, view.Stats, await MayorFor(view.Mayor, user.Caller(), grains)));
    }

    /// <summary>A mayor who blocks the caller is not shown to them: a block hides everything of the blocker.</summary>
    private static async Task<AccountResponse?> MayorFor(string? mayor, string? viewer, IGrainFactory grains)
    {
        if (mayor is null)
        {
            return null;
        }
        var grain = grains.GetGrain<IUserGrain>(mayor);
        if (!CheckinVisibility.MaySeeAuthor(await grain.GetRelationship(viewer)))
        {
            return null;
        }
        return await grain.GetAccount(viewer) is { } account ? AccountResponse.From(account) : null;
    }

    /// <summary>
    /// The place feed: one call to the place grain, which returns the finished page for the caller (a page may come back
    /// shorter than <c>limit</c>; the Link header still pages on).
    /// </summary>
    private static async Task<Results<Ok<List<CheckinResponse>>, FieldErrorsProblem, NotFoundProblem>> Checkins(string id,
        HttpContext context, ClaimsPrincipal user, IGrainFactory grains, CheckinResponses responses)
    {
        var errors = new FieldErrors();
        if (Paging.Read(context.Request, errors) is not { } page)
        {
            return errors.ToResult();
        }
        var viewer = user.Caller();
        if (!PlaceRules.IsPlausibleId(id) || await grains.GetGrain<IPlaceGrain>(id).GetFeedView(page, viewer) is not { } feed)
        {
            return Problem.NotFound($"No place '{id}'.");
        }
        Paging.WriteLink(context, feed.NewestId, feed.OldestId);
        return TypedResults.Ok(responses.Render(feed.Items));
    }
}
