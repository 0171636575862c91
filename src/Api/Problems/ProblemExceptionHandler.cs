using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
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

        httpContext.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    private static (int Status, string Title, string? Detail) Classify(Exception exception) => exception switch
    {
        BadHttpRequestException { InnerException: JsonException json } =>
            (400, "Malformed JSON", $"The request body is not valid JSON for this endpoint: {json.Message}"),
        BadHttpRequestException bad => (bad.StatusCode, TitleFor(bad.StatusCode), bad.Message),
        _ when IsUnavailable(exception) =>
            (503, "Service unavailable", "A dependency (the cluster or the database) is not reachable; retry shortly."),
        _ => (500, "Internal error", "An unexpected error occurred; it has been logged."),
    };

    private static bool IsUnavailable(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException or TimeoutException or SocketException or SiloUnavailableException
                or OrleansMessageRejectionException or GatewayTooBusyException
                or OrleansException)
            {
                return true;
            }
        }
        return false;
    }

    private static string TitleFor(int status) => status switch
    {
        413 => "Payload too large",
        415 => "Unsupported media type",
        _ => "Bad request",
    };
}
