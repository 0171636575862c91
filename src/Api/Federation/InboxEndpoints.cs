using System.Text.Json;
using Herenow.Api.Accounts;
using Herenow.Api.Problems;
using Herenow.Grains.Accounts;
using Herenow.Grains.Federation.ActivityPub;

namespace Herenow.Api.Federation;

/// <summary>
/// The personal inboxes and the shared inbox. Every POST must be signed by the actor it claims to come from
/// (401 otherwise), is at most 1 MB, and is answered 202 once applied (InboxProcessor), so a sender that sees any
/// other answer retries, and a repeat changes nothing.
/// </summary>
public static class InboxEndpoints
{
    public const int MaxBodyBytes = 1_048_576;

    public static void MapInboxEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/inbox", (HttpContext c, InboxVerifier v, InboxProcessor p, FederationOptions o) => Receive(c, v, p, o))
            .WithMetadata(new Security.BodySizeLimit(MaxBodyBytes)).ExcludeFromDescription();
        app.MapPost("/users/{username}/inbox", async (string username, HttpContext c, InboxVerifier v, InboxProcessor p, FederationOptions o, IGrainFactory g) =>
            !AccountRules.IsValidUsername(username) || await g.GetGrain<IUserGrain>(AccountRules.Key(username)).GetSettings() is null or { Deleting: true }
                ? Problem.NotFound($"No account '{username}'.")
                : await Receive(c, v, p, o))
            // Above the 64 KiB default for the API's JSON bodies (BodySizeLimitMiddleware); Receive enforces it too.
            .WithMetadata(new Security.BodySizeLimit(MaxBodyBytes)).ExcludeFromDescription();
    }

    private static async Task<IResult> Receive(HttpContext context, InboxVerifier verifier, InboxProcessor processor, FederationOptions options)
    {
        if (!options.Active)
        {
            return Results.Problem(title: "Federation is off", detail: "This server does not federate.", statusCode: StatusCodes.Status404NotFound);
        }
        if (await ReadBodyAsync(context.Request, context.RequestAborted) is not { } body)
        {
            return Results.Problem(title: "Too large", detail: $"An activity may be at most {MaxBodyBytes} bytes.", statusCode: StatusCodes.Status413PayloadTooLarge);
        }
        var (signer, problem) = await verifier.VerifyAsync(context.Request, body, context.RequestAborted);
        if (signer is null)
        {
            return Unauthorized(problem!);
        }
        JsonElement activity;
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 32 });
            activity = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return Problem.BadRequest("The body is not JSON: " + e.Message);
        }
        if (activity.ValueKind != JsonValueKind.Object || activity.Text("id") is null || activity.Type() is null)
        {
            return Problem.BadRequest("An activity needs an id and a type.");
        }
        if (activity.IdOf("actor") != signer.Id)
        {
            // A signature vouches for its signer only: no relaying of other actors' activities.
            return Unauthorized($"Signed by {signer.Id}, but the activity's actor is {activity.IdOf("actor")}.");
        }
        await processor.ProcessAsync(signer, activity);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    private static IResult Unauthorized(string detail) =>
        Results.Problem(title: "Unauthorized", detail: detail, statusCode: StatusCodes.Status401Unauthorized);

    /// <summary>The body, or null when it is larger than <see cref="MaxBodyBytes"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            return null;
        }
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
