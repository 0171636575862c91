using System.Security.Claims;
using Herenow.Api.Checkins;
using Herenow.Api.Problems;
using Herenow.Api.Sessions;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Feeds;

namespace Herenow.Api.Streaming;

/// <summary>
/// Live feeds as Server-Sent Events: "checkin" events carry what GET /api/v1/checkins/{id} returns, "delete" events
/// the id of a deleted check-in. Best effort; a reconnecting client resumes with Last-Event-ID (see LiveStreamer).
/// </summary>
public static class StreamingEndpoints
{
    public static IEndpointRouteBuilder MapStreamingEndpoints(this IEndpointRouteBuilder routes)
    {
        var streaming = routes.MapGroup("/api/v1/streaming").WithTags("Streaming");
        // IResult and .Produces kept: the handlers write the event stream themselves, which no typed result describes.
        streaming.MapGet("/home", Home).RequireAuthorization()
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        streaming.MapGet("/global", Global)
            .Produces(StatusCodes.Status200OK, contentType: "text/event-stream")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);
        return routes;
    }

    /// <summary>The caller's home stream: their own and their followees' check-ins, as the home feed shows them.</summary>
    private static async Task<IResult> Home(HttpContext context, ClaimsPrincipal user, IGrainFactory grains, CheckinResponses responses, LiveStreamer streamer)
    {
        if (!TryReadLastEventId(context.Request, out var lastEventId, out var problem)) return problem;
        var caller = user.Caller()!;
        var feed = new LiveFeed(
            [grains.GetGrain<IFeedGrain>(caller)],
            entries => responses.VisibleAsync(entries, caller, onlyFollowed: true),
            entry => responses.MaySeeAsync(entry, caller, onlyFollowed: true),
            page => grains.GetGrain<IFeedGrain>(caller).GetPage(page));
        await streamer.RunAsync(context, feed, lastEventId);
        return Results.Empty;
    }

    /// <summary>Every public check-in, through all global-feed shards; anonymous callers allowed.</summary>
    private static async Task<IResult> Global(HttpContext context, ClaimsPrincipal user, IGrainFactory grains, CheckinResponses responses, LiveStreamer streamer)
    {
        if (!TryReadLastEventId(context.Request, out var lastEventId, out var problem)) return problem;
        var viewer = user.Caller();
        static List<CheckinEntry> Public(IEnumerable<CheckinEntry> entries) => entries.Where(e => e.Visibility == Visibility.Public).ToList();
        var feed = new LiveFeed(
            GlobalFeed.AllShards().Select(shard => (IWatchableTimeline)grains.GetGrain<IGlobalFeedShardGrain>(shard)).ToList(),
            entries => responses.VisibleAsync(Public(entries), viewer),
            entry => entry.Visibility == Visibility.Public ? responses.MaySeeAsync(entry, viewer) : Task.FromResult(false),
            page => grains.GetGrain<Herenow.Grains.Pages.IPagesGrain>(0).GetGlobalEntries(page));
        await streamer.RunAsync(context, feed, lastEventId);
        return Results.Empty;
    }

    /// <summary>Last-Event-ID is one of our check-in ids (we send no others); anything else is a 422.</summary>
    private static bool TryReadLastEventId(HttpRequest request, out string? lastEventId, out IResult problem)
    {
        problem = Results.Empty;
        lastEventId = request.Headers["Last-Event-ID"].ToString();
        if (lastEventId.Length == 0)
        {
            lastEventId = null;
            return true;
        }
        if (TimeOrderedId.IsValid(lastEventId)) return true;
        var errors = new FieldErrors();
        errors.Add("Last-Event-ID", "must be the id of a check-in event from this stream");
        problem = errors.ToResult();
        return false;
    }
}
