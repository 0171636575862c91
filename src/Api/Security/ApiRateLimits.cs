using System.Globalization;
using System.Threading.RateLimiting;
using Herenow.Api.Sessions;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Herenow.Api.Security;

/// <summary>
/// Rate limiting with ASP.NET Core's RateLimiter middleware: one global limiter that sorts each request into a
/// partition (the keys are named below, with the reason for each), chained with the per-IP sign-up window. Login has
/// its own throttle (<see cref="LoginThrottle"/>), because its key needs the username from the body. A rejected request
/// is a 429 problem document with Retry-After (seconds).
/// </summary>
public static class ApiRateLimits
{
    private const string NoLimit = "none";

    public static IServiceCollection AddApiRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RateLimitOptions>().Bind(configuration.GetSection(RateLimitOptions.Section))
            .Validate(o => o.Valid, "Herenow:RateLimits: limits, windows and periods must be positive (MaxLockout at least Lockout).")
            .ValidateOnStart();
        services.AddSingleton<LoginThrottle>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitOptions>>((limiter, limits) =>
        {
            var o = limits.Value;
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(
                PartitionedRateLimiter.Create<HttpContext, string>(context => Partition(context, o)),
                PartitionedRateLimiter.Create<HttpContext, string>(context => SignUpPartition(context, o)));
            limiter.OnRejected = (rejected, _) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                return TooManyRequests(rejected.HttpContext, retryAfter, Describe(rejected.HttpContext));
            };
        });
        return services;
    }

    /// <summary>The kinds of requests, each with its own budget.</summary>
    public enum Kind
    {
        Unlimited,
        Write,
        Anonymous,
        Inbox,
    }

    public static Kind Classify(HttpContext context)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments("/health"))
        {
            return Kind.Unlimited; // probes of the orchestrator and of the balancer
        }
        if (HttpMethods.IsPost(request.Method) && IsInbox(request.Path))
        {
            return Kind.Inbox;
        }
        if (context.User.Caller() is null)
        {
            return Kind.Anonymous;
        }
        return IsWrite(request.Method) && request.Path.StartsWithSegments("/api/v1") ? Kind.Write : Kind.Unlimited;
    }

    private static RateLimitPartition<string> Partition(HttpContext context, RateLimitOptions o)
    {
        if (!o.Enabled)
        {
            return RateLimitPartition.GetNoLimiter(NoLimit);
        }
        return Classify(context) switch
        {
            // "write:<username>": per account, not per token, so that opening more sessions buys no more writes. Signed-in
            // reads are not limited: they cost little and a feed client polls.
            Kind.Write when o.Writes.Enabled => Bucket("write:" + context.User.Caller(), o.Writes),
            // "anon:<ip>": without a token the address is all there is (IPv6 by its /64, see ClientAddress).
            Kind.Anonymous when o.Anonymous.Enabled => Bucket("anon:" + ClientAddress.Key(context), o.Anonymous),
            // "inbox:<ip>": the delivering server's address; deliveries are signed, but checking a signature costs a key
            // fetch and a verification, so an unsigned flood is refused before that work. Its own, larger budget, apart
            // from "anon:", so that a busy instance's deliveries and a browser at the same address do not compete.
            Kind.Inbox when o.Inbox.Enabled => Bucket("inbox:" + ClientAddress.Key(context), o.Inbox),
            _ => RateLimitPartition.GetNoLimiter(NoLimit),
        };
    }

    /// <summary>
    /// "signup:<ip>": accounts are free to create, so a fixed window per address bounds mass registration (on top of the
    /// anonymous budget, which a sign-up also counts against). Every attempt counts, also one refused as invalid.
    /// </summary>
    private static RateLimitPartition<string> SignUpPartition(HttpContext context, RateLimitOptions o)
    {
        if (!o.Enabled || !o.SignUp.Enabled || !IsSignUp(context.Request))
        {
            return RateLimitPartition.GetNoLimiter(NoLimit);
        }
        return RateLimitPartition.GetFixedWindowLimiter("signup:" + ClientAddress.Key(context), _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = o.SignUp.PermitLimit,
            Window = o.SignUp.Window,
            QueueLimit = 0,
        });
    }

    private static RateLimitPartition<string> Bucket(string key, RateLimitOptions.TokenBucket bucket) =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = bucket.TokenLimit,
            TokensPerPeriod = bucket.TokensPerPeriod,
            ReplenishmentPeriod = bucket.ReplenishmentPeriod,
            QueueLimit = 0, // refuse at once with Retry-After rather than hold the request
        });

    private static bool IsWrite(string method) =>
        HttpMethods.IsPost(method) || HttpMethods.IsPut(method) || HttpMethods.IsPatch(method) || HttpMethods.IsDelete(method);

    private static bool IsSignUp(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Value?.TrimEnd('/') == "/api/v1/accounts";

    /// <summary>/inbox and /users/{username}/inbox.</summary>
    private static bool IsInbox(PathString path)
    {
        var value = path.Value?.TrimEnd('/') ?? "";
        return value == "/inbox" || (value.StartsWith("/users/", StringComparison.Ordinal) && value.EndsWith("/inbox", StringComparison.Ordinal)
                                     && value.Count(c => c == '/') == 3);
    }

    private static string Describe(HttpContext context) => IsSignUp(context.Request)
        ? "Too many sign-ups or requests from this address; retry after the time in Retry-After."
        : Classify(context) switch
        {
            Kind.Write => "Too many writes for this account; retry after the time in Retry-After.",
            Kind.Inbox => "Too many deliveries from this address; retry after the time in Retry-After.",
            _ => "Too many requests from this address; retry after the time in Retry-After.",
        };

    /// <summary>A 429 problem document with Retry-After in whole seconds (rounded up, at least 1).</summary>
    public static async ValueTask TooManyRequests(HttpContext context, TimeSpan retryAfter, string detail)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        response.Headers.RetryAfter = RetryAfterSeconds(retryAfter).ToString(CultureInfo.InvariantCulture);
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = StatusCodes.Status429TooManyRequests, Title = "Too many requests", Detail = detail },
        });
    }

    public static long RetryAfterSeconds(TimeSpan retryAfter) => Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
}
