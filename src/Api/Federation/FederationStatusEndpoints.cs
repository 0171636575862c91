using Herenow.Grains.Federation.ActivityPub;

namespace Herenow.Api.Federation;

/// <summary>
/// The delivery queue as operators need it: how much waits, how much is due, how much is being retried, and how
/// much was given up. Counts only — which servers our users talk to is nobody else's business.
/// </summary>
public static class FederationStatusEndpoints
{
    public sealed record QueueStatus(bool Active, long Pending, long Due, long Retrying, long Domains, long Failed);

    public static void MapFederationStatusEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/federation/queue", async (DeliveryQueue queue, FederationOptions options) =>
        {
            var depth = await queue.DepthAsync();
            return TypedResults.Ok(new QueueStatus(options.Active, depth.Pending, depth.Due, depth.Retrying, depth.Domains, depth.Failed));
        }).WithTags("Federation");
    }
}
