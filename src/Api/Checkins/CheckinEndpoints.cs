using System.Security.Claims;
using Herenow.Api.Common;
using Herenow.Api.Idempotency;
using Herenow.Api.Media;
using Herenow.Api.Problems;
using Herenow.Api.Sessions;
using Herenow.Grains.Accounts;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Media;
using Herenow.Grains.Observability;
using Herenow.Grains.Places;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Herenow.Api.Checkins;

/// <param name="PublishAfterSeconds">Post later: hold it from everyone else for this long (10 s to 7 days).</param>
/// <param name="PublishOnNextCheckin">Post later: hold it until the author's next check-in (the "check out" idea).</param>
public sealed record CreateCheckinRequest(
    string? PlaceId, double? Latitude, double? Longitude, double? AccuracyM, string? Shout, string? Visibility,
    IReadOnlyList<string>? MediaIds, int? PublishAfterSeconds = null, bool? PublishOnNextCheckin = null);

public static partial class CheckinEndpoints
{
    public static IEndpointRouteBuilder MapCheckinEndpoints(this IEndpointRouteBuilder routes)
    {
        var checkins = routes.MapGroup("/api/v1/checkins").WithTags("Check-ins").AddEndpointFilter(CheckinLogScope);
        checkins.MapPost("/", Create).RequireAuthorization().WithIdempotencyKey();
        checkins.MapGet("/{id}", Get);
        checkins.MapDelete("/{id}", Delete).RequireAuthorization();
        checkins.MapPost("/{id}/like", (string id, ClaimsPrincipal user, IGrainFactory grains, CheckinResponses responses) => Like(id, true, user, grains, responses)).RequireAuthorization();
        checkins.MapDelete("/{id}/like", (string id, ClaimsPrincipal user, IGrainFactory grains, CheckinResponses responses) => Like(id, false, user, grains, responses)).RequireAuthorization();
        return routes;
    }

    private static async Task<Results<Created<CheckinResponse>, FieldErrorsProblem>> Create(CreateCheckinRequest request,
        ClaimsPrincipal user, IGrainFactory grains, PlaceCache places, CheckinResponses responses, HttpContext http)
    {
        var caller = user.Caller()!;
        var author = grains.GetGrain<IUserGrain>(caller);
        // Parsing only: what a check-in must be (ranges, media, delays, the distance to its place) is CheckinRules',
        // which the author's grain applies whoever posts.
        var errors = new FieldErrors();
        if (string.IsNullOrEmpty(request.PlaceId)) errors.Add("place_id", "is required");
        if (request.Latitude is null) errors.Add("latitude", "must be a number from -90 to 90");
        if (request.Longitude is null) errors.Add("longitude", "must be a number from -180 to 180");
        // Null: the author's default, which its grain applies (no settings read here first).
        Visibility? visibility = null;
        if (request.Visibility is not null)
        {
            if (TryParseVisibility(request.Visibility, out var parsed)) visibility = parsed;
            else errors.Add("visibility", "must be public, followers or private");
        }
        if (errors.Any) return errors.ToResult();

        // From the process's place cache; only plausible ids reach the database (a NUL in one was a 503 from PostgreSQL).
        var details = Places.PlaceRules.IsPlausibleId(request.PlaceId!) ? await places.GetAsync(request.PlaceId!) : null;
        if (details is null)
        {
            errors.Add("place_id", "no such place");
            return errors.ToResult();
        }
        var place = new PlaceSnapshot(details.Id, details.Name, details.Latitude, details.Longitude, details.Category);
        var mediaIds = request.MediaIds ?? [];

        PostedCheckin posted;
        try
        {
            posted = await author.Post(new NewCheckin(place, request.Latitude!.Value, request.Longitude!.Value,
                request.AccuracyM, request.Shout, visibility, [.. mediaIds],
                // The grain remembers the key with the check-in, so a retry after a lost response creates nothing new.
                http.Features.Get<IdempotencyKeyFeature>()?.Key,
                request.PublishAfterSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
                request.PublishOnNextCheckin == true));
        }
        catch (CheckinRejectedException e)
        {
            foreach (var broken in e.Violations) errors.Add(broken.Field, broken.Message);
            return errors.ToResult();
        }
        catch (MediaNotAttachableException e)
        {
            // Checked by the author's grain when it attaches them (after its Idempotency-Key lookup): missing, someone
            // else's, or attached to another check-in. Nothing was created.
            foreach (var problem in e.Problems) errors.Add("media_ids", problem);
            return errors.ToResult();
        }
        var record = posted.Record;
        HerenowTelemetry.CheckinsCreated.Add(1);
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);
        // The id exists only now (the author's grain made it): the rest of this request's lines carry it.
        using (logger.BeginScope(new CheckinScope(record.Id)))
        {
            LogCreated(logger, record.Id, caller);
            return TypedResults.Created($"/api/v1/checkins/{record.Id}", responses.Own(posted));
        }
    }

    private const string LogCategory = "Herenow.Api.Checkins";

    /// <summary>Requests on one check-in ({id}) log inside a CheckinId scope, next to the trace id.</summary>
    private static async ValueTask<object?> CheckinLogScope(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        if (context.HttpContext.GetRouteValue("id") is not string id)
        {
            return await next(context);
        }
        var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(LogCategory);
        using (logger.BeginScope(new CheckinScope(id)))
        {
            return await next(context);
        }
    }

    // Debug: one console line per check-in would cost the hot path; switch the category on when investigating.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Check-in {CheckinId} created by {Author}")]
    private static partial void LogCreated(ILogger logger, string checkinId, string author);

    private static async Task<Results<Ok<CheckinResponse>, NotFoundProblem>> Get(string id, ClaimsPrincipal user, CheckinResponses responses) =>
        TimeOrderedId.IsValid(id) && await responses.OneAsync(id, user.Caller()) is { } view
            ? TypedResults.Ok(view)
            : Problem.NotFound($"No check-in '{id}'.");

    /// <summary>
    /// What the caller may not see does not exist for them (404), exactly as for a read: someone else's held, private
    /// or blocked check-in included. One they may see but did not write is a 403. Its author may always delete it.
    /// </summary>
    private static async Task<Results<NoContent, NotFoundProblem, ForbiddenProblem>> Delete(string id, ClaimsPrincipal user,
        IGrainFactory grains, CheckinResponses responses)
    {
        var caller = user.Caller()!;
        var record = TimeOrderedId.IsValid(id) ? await grains.GetGrain<ICheckinGrain>(id).Get() : null;
        if (record is null || await responses.AccessAsync(record, caller) == CheckinAccess.Hidden)
        {
            return Problem.NotFound($"No check-in '{id}'.");
        }
        if (record.Author != caller)
        {
            return Problem.Forbidden("Only the author may delete a check-in.");
        }
        await grains.GetGrain<IUserGrain>(caller).DeleteCheckin(id);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<CheckinResponse>, NotFoundProblem>> Like(string id, bool liked, ClaimsPrincipal user,
        IGrainFactory grains, CheckinResponses responses)
    {
        var caller = user.Caller()!;
        if (!TimeOrderedId.IsValid(id) || await responses.OneAsync(id, caller) is null)
        {
            return Problem.NotFound($"No check-in '{id}'.");
        }
        await grains.GetGrain<ICheckinGrain>(id).SetLike(caller, liked);
        // Null only if deleted meanwhile: an empty 200, as before.
        return TypedResults.Ok((await responses.OneAsync(id, caller))!);
    }

    public static bool TryParseVisibility(string? text, out Visibility visibility)
    {
        (var ok, visibility) = text switch
        {
            "public" => (true, Visibility.Public),
            "followers" => (true, Visibility.Followers),
            "private" => (true, Visibility.Private),
            _ => (false, Visibility.Public),
        };
        return ok;
    }
}
