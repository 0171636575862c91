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
using Microsoft.AspNetCore.Mvc;

namespace Herenow.Api.Places;

public static class PlaceEndpoints
{
    public static IEndpointRouteBuilder MapPlaceEndpoints(this IEndpointRouteBuilder routes)
    {
        var places = routes.MapGroup("/api/v1/places").WithTags("Places");
        places.MapPost("/", Create).RequireAuthorization().WithIdempotencyKey()
            .Accepts<CreatePlaceRequest>("application/json")
            .Produces<PlaceResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        places.MapGet("/nearby", Nearby)
            .Produces<List<NearbyPlaceResponse>>()
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        places.MapGet("/{id}", Get)
            .Produces<PlaceResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        places.MapGet("/{id}/checkins", Checkins)
            .Produces<List<CheckinResponse>>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task<IResult> Create(CreatePlaceRequest request, ClaimsPrincipal user, PlaceDirectory directory, PlaceCache cache)
    {
        var errors = PlaceRules.Validate(request, user.Caller(), out var place);
        if (errors.Any)
        {
            return errors.ToResult();
        }
        var created = await directory.CreateAsync(place!);
        cache.Add(created); // the check-in that usually follows finds it in memory (and not a miss remembered before)
        return Results.Created($"/api/v1/places/{created.Id}", PlaceResponse.From(created, new PlaceStats(0, 0, 0), null));
    }

    /// <summary>
    /// Query values are bound as strings and parsed here, so a bad number is a 422 with field errors. Answered from this
    /// process's in-memory index (no grain call, no database round trip) once it has loaded, from PostgreSQL until then
    /// (<see cref="PlaceDirectory.FindNearbyAsync"/>, docs/adr/0027-nearby-in-memory.md).
    /// </summary>
    private static async Task<IResult> Nearby(
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
        return Results.Ok(places.Select(NearbyPlaceResponse.From));
    }

    /// <summary>One call to the place grain, plus the mayor's account as the caller sees it.</summary>
    private static async Task<IResult> Get(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        var view = PlaceRules.IsPlausibleId(id) ? await grains.GetGrain<IPlaceGrain>(id).GetPlace() : null;
        if (view is null)
        {
            return Problem.NotFound($"No place '{id}'.");
        }
        return Results.Ok(PlaceResponse.From(view.Place, view.Stats, await MayorFor(view.Mayor, user.Caller(), grains)));
    }

    /// <summary>A mayor who blocks the caller is not shown to them: a block hides everything of the blocker.</summary>
    private static async Task<AccountResponse?> MayorFor(string? mayor, string? viewer, IGrainFactory grains)
    {
        if (mayor is null)
        {
            return null;
        }
        var grain = grains.GetGrain<IUserGrain>(mayor);
        if ((await grain.GetRelationship(viewer)).BlocksViewer)
        {
            return null;
        }
        return await grain.GetAccount(viewer) is { } account ? AccountResponse.From(account) : null;
    }

    /// <summary>
    /// The place feed: one call to the place grain for a page of ids, then filtered for the caller like every other
    /// list (a page may come back shorter than <c>limit</c>; the Link header still pages on).
    /// </summary>
    private static async Task<IResult> Checkins(string id, HttpContext context, ClaimsPrincipal user, IGrainFactory grains,
        CheckinViews views)
    {
        var errors = new FieldErrors();
        if (Paging.Read(context.Request, errors) is not { } page)
        {
            return errors.ToResult();
        }
        var place = PlaceRules.IsPlausibleId(id) ? grains.GetGrain<IPlaceGrain>(id) : null;
        var refs = place is null ? [] : await place.GetRecent(page);
        // Check-ins are only ever recorded at existing places, so only an empty page needs the existence check
        // (which computes the whole place view: not worth doing on every page).
        if (place is null || (refs.Count == 0 && await place.GetPlace() is null))
        {
            return Problem.NotFound($"No place '{id}'.");
        }
        Paging.WriteLink(context, refs, r => r.Id);
        var entries = refs.Select(r => new CheckinEntry(r.Id, r.Author, r.Visibility)).ToList();
        return Results.Ok(await views.VisibleAsync(entries, user.Caller()));
    }
}
