using System.Security.Cryptography;
using System.Text;
using Herenow.Api.Problems;
using Herenow.Api.Sessions;

namespace Herenow.Api.Idempotency;

/// <summary>
/// Honours <c>Idempotency-Key</c> on endpoints marked <see cref="IdempotentEndpointExtensions.WithIdempotencyKey"/>:
/// claims the key for the caller's account, runs the request with its response buffered, stores the response when
/// it is remembered (<see cref="IdempotencyKey.IsRemembered"/>) and only then sends it, so a client that saw the
/// response always gets it again. Runs after authentication: keys are scoped to the signed-in account.
/// See docs/adr/0012-idempotency-keys.md.
/// </summary>
public sealed class IdempotencyMiddleware(RequestDelegate next, IdempotencyStore store, ILogger<IdempotencyMiddleware> logger)
{
    public const string ReplayedHeader = "Idempotent-Replayed";

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method)
            || context.GetEndpoint()?.Metadata.GetMetadata<IdempotentEndpoint>() is null
            || !context.Request.Headers.TryGetValue(IdempotencyKey.HeaderName, out var values))
        {
            await next(context);
            return;
        }
        if (!IdempotencyKey.TryParse(values, out var key, out var error))
        {
            await Problem.BadRequest(error).ExecuteAsync(context);
            return;
        }
        // Without an account there is nothing to scope the key to; sharing one scope among anonymous callers would
        // replay one client's response to another. Such requests run as if the header were absent.
        if (context.User.Caller() is not { } account)
        {
            await next(context);
            return;
        }

        var fingerprint = await FingerprintAsync(context.Request, context.RequestAborted);
        switch (await store.ClaimAsync(account, key, fingerprint, context.RequestAborted))
        {
            case Claim.Owned owned:
                context.Features.Set(new IdempotencyKeyFeature(key));
                await RunAndRememberAsync(context, account, key, owned.Owner);
                break;
            case Claim.Replay replay:
                await ReplayAsync(context, replay.Response);
                break;
            case Claim.Mismatch:
                await Problem.Unprocessable("Idempotency key reused",
                    $"This {IdempotencyKey.HeaderName} was already used for a different request; use a new key.")
                    .ExecuteAsync(context);
                break;
            default:
                context.Response.Headers.RetryAfter = "1";
                await Problem.Conflict($"A request with this {IdempotencyKey.HeaderName} is still being processed; retry shortly.")
                    .ExecuteAsync(context);
                break;
        }
    }

    private async Task RunAndRememberAsync(HttpContext context, string account, string key, Guid owner)
    {
        var response = context.Response;
        var originalBody = response.Body;
        using var buffer = new MemoryStream();
        response.Body = buffer;
        try
        {
            await next(context);
        }
        catch
        {
            // The exception handler turns this into a problem (400, 503, 500); none is remembered.
            response.Body = originalBody;
            await TryAsync(() => store.ReleaseAsync(account, key, owner), "release");
            throw;
        }
        response.Body = originalBody;

        // CancellationToken.None: a client that hung up will retry and should find the result stored.
        var status = response.StatusCode;
        if (IdempotencyKey.IsRemembered(status))
        {
            var stored = new StoredResponse(status, response.ContentType, response.Headers.Location, buffer.ToArray());
            // If this fails the row stays pending; the lease lets a retry run again (check-ins are still
            // deduplicated by the author's grain).
            await TryAsync(() => store.CompleteAsync(account, key, owner, stored), "store the response for");
        }
        else
        {
            await TryAsync(() => store.ReleaseAsync(account, key, owner), "release");
        }
        buffer.Position = 0;
        await buffer.CopyToAsync(originalBody, context.RequestAborted);
    }

    private static async Task ReplayAsync(HttpContext context, StoredResponse stored)
    {
        var response = context.Response;
        response.StatusCode = stored.Status;
        response.ContentType = stored.ContentType;
        if (stored.Location is not null)
        {
            response.Headers.Location = stored.Location;
        }
        response.Headers[ReplayedHeader] = "true";
        response.ContentLength = stored.Body.Length;
        await response.Body.WriteAsync(stored.Body, context.RequestAborted);
    }

    /// <summary>SHA-256 of method, path, query and body: what makes two requests "the same request".</summary>
    private static async Task<byte[]> FingerprintAsync(HttpRequest request, CancellationToken ct)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{request.PathBase}{request.Path}{request.QueryString}\n"));
        // Buffered so that the endpoint can read the body again after it has been hashed.
        request.EnableBuffering();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            hash.AppendData(chunk, 0, read);
        }
        request.Body.Position = 0;
        return hash.GetHashAndReset();
    }

    private async Task TryAsync(Func<Task> action, string what)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException or InvalidOperationException)
        {
            logger.LogWarning(e, "Could not {What} an idempotency key; it expires with its lease", what);
        }
    }
}
