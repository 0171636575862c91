using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Herenow.Grains.Database;
using Npgsql;
using Orleans.Runtime;

namespace Herenow.Api.Problems;

/// <summary>
/// Turns exceptions into RFC 9457 problem documents: bad requests into 4xx, an unreachable cluster or database
/// into 503 with Retry-After (the client should back off and retry, not see a 500).
/// </summary>
public sealed class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var (status, title, detail) = Classify(exception);
        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            logger.LogWarning("Dependency unavailable: {Error}", exception.Message);
            httpContext.Response.Headers.RetryAfter = "2";
        }
        else if (status >= 500)
        {
            logger.LogError(exception, "Unhandled error");
        }
        else if (exception is not BadHttpRequestException)
        {
            // A 4xx found only by the database: worth a warning, validation should catch it earlier.
            logger.LogWarning("Request refused by the database: {Error}", exception.Message);
        }

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    public static (int Status, string Title, string? Detail) Classify(Exception exception) => exception switch
    {
        BadHttpRequestException { InnerException: JsonException json } =>
            (400, "Malformed JSON", $"The request body is not valid JSON for this endpoint: {json.Message}"),
        BadHttpRequestException bad => (bad.StatusCode, TitleFor(bad.StatusCode), bad.Message),
        _ when Find<Herenow.Grains.Accounts.AccountGoneException>(exception) is { } gone => (410, "Gone", gone.Message),
        // SQLSTATE class 22 (data exception: a NUL byte in text, a number out of range, a string too long for its
        // column) is the request's data, not an outage: retrying it cannot succeed, so it is not a 503. Validation
        // should have refused it first; this is the backstop for what validation missed, wherever it is raised.
        _ when Find<PostgresException>(exception) is { SqlState: var state } && state.StartsWith("22", StringComparison.Ordinal)
               || Find<DatabaseErrorException>(exception) is { IsDataError: true } =>
            (400, "Unstorable value", "The request contains a value the database cannot store (for example a NUL character or a number out of range)."),
        _ when IsUnavailable(exception) =>
            (503, "Service unavailable", "A dependency (the cluster or the database) is not reachable; retry shortly."),
        _ => (500, "Internal error", "An unexpected error occurred; it has been logged."),
    };

    /// <summary>The exception and its inner exceptions, outermost first.</summary>
    private static IEnumerable<Exception> Chain(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
        }
    }

    private static T? Find<T>(Exception? exception) where T : Exception => Chain(exception).OfType<T>().FirstOrDefault();

    private static bool IsUnavailable(Exception? exception) => Chain(exception).Any(e =>
        e is NpgsqlException or DatabaseErrorException or TimeoutException or SocketException or SiloUnavailableException
            or OrleansMessageRejectionException or GatewayTooBusyException or OrleansException);

    private static string TitleFor(int status) => status switch
    {
        413 => "Payload too large",
        415 => "Unsupported media type",
        _ => "Bad request",
    };
}
