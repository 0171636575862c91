using System.Text.Json;
using Herenow.Api.Cluster;
using Herenow.Api.Idempotency;
using Herenow.Api.Media;
using Herenow.Api.Problems;
using Herenow.Api.Security;
using Herenow.Grains;
using Herenow.Grains.Database;
using Herenow.Grains.Federation;
using Herenow.Api.Federation;
using Herenow.Api.WebClient;
using Herenow.Api.Admin;
using Herenow.Api.Observability;
using Herenow.Grains.Observability;
using Orleans.Dashboard;
using Microsoft.AspNetCore.Http.Json;
using Npgsql;
using Orleans.Configuration;
using Scalar.AspNetCore;

namespace Herenow.Api;

public static class ApiHosting
{
    /// <param name="coHosted">The silo runs in this process (<see cref="CoHosting"/>): no Orleans client of our own;
    /// the silo's <see cref="IClusterClient"/>, data source and dashboard services are the API's.</param>
    public static WebApplicationBuilder AddHerenowApi(this WebApplicationBuilder builder, bool coHosted = false)
    {
        var connectionString = DatabaseSettings.GetConnectionString(builder.Configuration);
        var identity = ClusterIdentity.From(builder.Configuration);

        var dashboard = DashboardSettings.Enabled(builder.Configuration);
        if (coHosted)
        {
            builder.Services.AddHttpContextAccessor();
            builder.Services.AddSingleton<IOutgoingGrainCallFilter, CoHostedCallDeadlineStamp>();
        }
        else
        {
            builder.UseOrleansClient(client =>
            {
                client.UseHerenowCluster(connectionString, identity);
                if (dashboard) client.AddDashboard(); // its UI on the admin port; the silos host its grains
            });
            // Co-hosted, the silo's (tuned) data source serves the endpoints too: one pool per process.
            builder.Services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        }
        builder.AddHerenowObservability(coHosted);

        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower;
            o.SerializerOptions.DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower;
        });
        // Malformed bodies throw BadHttpRequestException so that ProblemExceptionHandler answers them as 400/415.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
            ctx.ProblemDetails.Extensions.TryAdd("trace_id", ctx.HttpContext.TraceIdentifier));
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();
        builder.Services.AddOpenApi();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<Accounts.PasswordHashing>();
        builder.Services.AddSingleton<Checkins.CheckinResponses>();
        builder.Services.AddOptions<Streaming.StreamingOptions>().Bind(builder.Configuration.GetSection(Streaming.StreamingOptions.Section))
            .Validate(o => o.HeartbeatInterval > TimeSpan.Zero && o.BufferCapacity > 0 && o.MaxReplay >= 0, "Herenow:Streaming values must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<Streaming.LiveStreamer>();
        builder.Services.AddOptions<Sessions.SessionCacheOptions>().Bind(builder.Configuration.GetSection(Sessions.SessionCacheOptions.Section))
            .Validate(o => o.Lifetime >= TimeSpan.Zero && o.MaxEntries >= 0, "Herenow:Sessions:Cache values must not be negative.")
            .ValidateOnStart();
        builder.Services.AddSingleton<Sessions.SessionCache>();
        builder.Services.AddAuthentication(Sessions.BearerTokenHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, Sessions.BearerTokenHandler>(Sessions.BearerTokenHandler.SchemeName, null);
        builder.Services.AddAuthorization();
        builder.Services.AddForwardedHeadersSettings(builder.Configuration);
        builder.Services.AddAdminAuthorization();
        builder.Services.AddApiRateLimits(builder.Configuration);
        builder.Services.AddIdempotencyKeys();
        builder.Services.AddMedia(builder.Configuration);
        builder.Services.AddHerenowFederation();
        builder.Services.AddFederationEndpoints();
        builder.Services.AddWebClient();
        return builder;
    }

    /// <summary>
    /// The API's Orleans client: gateways from the membership table, fail-fast timeouts, retried connection, and a
    /// deadline on every call. Public so that tests talk to the cluster exactly as the API does.
    /// </summary>
    public static IClientBuilder UseHerenowCluster(this IClientBuilder client, string connectionString, ClusterIdentity identity)
    {
        // Gateways are found through the same membership table the silos gossip through.
        client.UseAdoNetClustering(o =>
        {
            o.Invariant = "Npgsql";
            o.ConnectionString = DatabaseSettings.Tune(connectionString);
        });
        client.Configure<ClusterOptions>(identity.ApplyTo);
        // Fail fast rather than hold a request for Orleans' default 30 s; the caller gets a 503 and retries.
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        client.UseConnectionRetryFilter<ClusterConnectionRetryFilter>();
        // Each request carries its deadline (now + ResponseTimeout): silos refuse it unrun once it has passed.
        client.AddOutgoingGrainCallFilter<Grains.Cluster.CallDeadlineStamp>();
        // W3C trace context into every grain call, so a request's trace continues on the silos.
        client.AddActivityPropagation();
        return client;
    }

    public static WebApplication UseHerenowApi(this WebApplication app)
    {
        // Before anything reads the client address (rate limits, the login throttle): behind a trusted proxy it is
        // the forwarded one.
        app.UseHerenowForwardedHeaders();
        // Outermost, so that every response carries them, the exception handler's too.
        app.UseMiddleware<SecurityHeadersMiddleware>();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseMiddleware<BodySizeLimitMiddleware>();
        app.UseAuthentication();
        // After authentication: writes are counted per account, anonymous requests per address.
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseIdempotencyKeys();
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/docs", o => o.WithOpenApiRoutePattern("/openapi/{documentName}.json"));
        app.MapAdminPort();
        return app;
    }
}
