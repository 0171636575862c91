using System.Text;
using System.Text.Json;
using Herenow.Api.Accounts;
using Herenow.Api.Problems;
using Herenow.Grains.Accounts;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Federation.ActivityPub.Inbound;

namespace Herenow.Api.Federation;

/// <summary>
/// The personal inboxes and the shared inbox. Every POST must be signed by the actor it claims to come from
/// (401 otherwise) and is at most 1 MB. A verified activity is recorded in <c>ap_inbox</c> and answered 202 once that
/// row committed (acknowledged = durable; any other answer makes the sender retry); the actor's InboxGrain applies it
/// afterwards, off the request path (docs/adr/0030-inbound-activities.md). A repeat finds its row and adds nothing.
/// </summary>
public static partial class InboxEndpoints
{
    public const int MaxBodyBytes = 1_048_576;

    public static void MapInboxEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/inbox", (HttpContext c, InboxVerifier v, InboxStore s, FederationOptions o, IGrainFactory g, ILoggerFactory l) => Receive(c, v, s, o, g, l))
            .WithMetadata(new Security.BodySizeLimit(MaxBodyBytes)).ExcludeFromDescription();
        app.MapPost("/users/{username}/inbox", async (string username, HttpContext c, InboxVerifier v, InboxStore s, FederationOptions o, IGrainFactory g, ILoggerFactory l) =>
            !AccountRules.IsValidUsername(username) || await g.GetGrain<IUserGrain>(AccountRules.Key(username)).GetSettings() is null or { Deleting: true }
                ? Problem.NotFound($"No account '{username}'.")
                : await Receive(c, v, s, o, g, l))
            // Above the 64 KiB default for the API's JSON bodies (BodySizeLimitMiddleware); Receive enforces it too.
            .WithMetadata(new Security.BodySizeLimit(MaxBodyBytes)).ExcludeFromDescription();
    }

    private static async Task<IResult> Receive(HttpContext context, InboxVerifier verifier, InboxStore inbox, FederationOptions options,
        IGrainFactory grains, ILoggerFactory loggers)
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
        // Durable before acknowledged: the 202 goes out only after this row committed (a failure here is a 5xx, and
        // the sender retries). A repeated id finds its row: nothing new, but still 202, as for any repeat.
        // The JSON as received (less a byte-order mark, which the parser skipped and a string parse would not).
        await inbox.RecordAsync(activity.Text("id")!, signer.Id, activity.Type()!, Encoding.UTF8.GetString(body).TrimStart('\uFEFF'));
        await WakeAsync(grains, signer.Id, loggers);
        return Results.StatusCode(StatusCodes.Status202Accepted);
    }

    /// <summary>
    /// Starts the work now, also after a repeat (its first wake may be what was lost). Best effort and bounded: the row
    /// is safe already, and when the cluster cannot be reached the silos' InboxSweeper finds the row instead.
    /// </summary>
    private static async Task WakeAsync(IGrainFactory grains, string actorId, ILoggerFactory loggers)
    {
        try
        {
            await grains.GetGrain<IInboxGrain>(actorId).Wake().WaitAsync(WakeTimeout);
        }
        catch (Exception e)
        {
            LogWakeFailed(loggers.CreateLogger(typeof(InboxEndpoints).FullName!), actorId, e.Message);
        }
    }

    private static readonly TimeSpan WakeTimeout = TimeSpan.FromSeconds(1);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recorded an activity from {Actor} but could not wake its inbox grain ({Error}); the sweeper will")]
    private static partial void LogWakeFailed(ILogger logger, string actor, string error);

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
