using System.Security.Claims;
using Herenow.Api.Idempotency;
using Herenow.Api.Problems;
using Herenow.Api.Sessions;
using Herenow.Grains.Accounts;
using Herenow.Grains.Places;
using Microsoft.AspNetCore.Mvc;

namespace Herenow.Api.Places;

public static class PlaceEndpoints
{
    public static IEndpointRouteBuilder MapPlaceEndpoints(this IEndpointRouteBuilder routes)
    {
        var places = routes.MapGroup("/api/v1/places").WithTags("Places");
        // The creator is recorded when the caller is signed in, so requiring a token later is one RequireAuthorization().
        places.MapPost("/", Create).WithIdempotencyKey()
            .Accepts<CreatePlaceRequest>("application/json")
            .Produces<PlaceResponse>(StatusCodes.Status201Created)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        places.MapGet("/nearby", Nearby)
            .Produces<List<NearbyPlaceResponse>>()
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        places.MapGet("/{id}", Get)
            .Produces<PlaceResponse>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return routes;
    }

    private static async Task<IResult> Create(CreatePlaceRequest request, ClaimsPrincipal user, PlaceDirectory directory)
    {
        var errors = PlaceRules.Validate(request, user.Caller(), out var place);
        if (errors.Any)
        {
            return errors.ToResult();
        }
        var created = await directory.CreateAsync(place!);
        return Results.Created($"/api/v1/places/{created.Id}", PlaceResponse.From(created, new PlaceStats(0, 0, 0), null));
    }

    /// <summary>Query values are bound as strings and parsed here, so a bad number is a 422 with field errors.</summary>
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

    /// <summary>One call to the place grain; the mayor's username is read from their account (it keeps its case).</summary>
    private static async Task<IResult> Get(string id, ClaimsPrincipal user, IGrainFactory grains)
    {
        var view = PlaceRules.IsPlausibleId(id) ? await grains.GetGrain<IPlaceGrain>(id).GetPlace() : null;
        if (view is null)
        {
            return Problem.NotFound($"No place '{id}'.");
        }
        var mayor = view.Mayor is { } key ? await grains.GetGrain<IUserGrain>(key).GetAccount(user.Caller()) : null;
        return Results.Ok(PlaceResponse.From(view.Place, view.Stats, mayor?.Username));
    }
}
