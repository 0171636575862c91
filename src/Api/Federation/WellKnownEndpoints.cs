using System.Text.Json.Nodes;
using Herenow.Api.Problems;
using Herenow.Grains.Accounts;
using Herenow.Grains.Federation.ActivityPub;
using Npgsql;

namespace Herenow.Api.Federation;

/// <summary>
/// Discovery: WebFinger (acct:user@host → the actor, and back: the actor's preferredUsername at our host is the
/// same acct:, which is the round trip Mastodon checks) and NodeInfo 2.1.
/// </summary>
public static class WellKnownEndpoints
{
    public static void MapWellKnownEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/.well-known/webfinger", WebFinger).ExcludeFromDescription();
        app.MapGet("/.well-known/nodeinfo", (ApUrls urls) => Results.Json(new JsonObject
        {
            ["links"] = new JsonArray(new JsonObject
            {
                ["rel"] = "http://nodeinfo.diaspora.software/ns/schema/2.1",
                ["href"] = urls.Origin + "/nodeinfo/2.1",
            }),
        })).ExcludeFromDescription();
        app.MapGet("/nodeinfo/2.1", NodeInfo).ExcludeFromDescription();
    }

    private static async Task<IResult> WebFinger(string? resource, FederationOptions options, ApUrls urls, IGrainFactory grains)
    {
        if (string.IsNullOrWhiteSpace(resource))
        {
            return Problem.BadRequest("The 'resource' query parameter is required (acct:user@host or an actor URL).");
        }
        string? username;
        if (resource.StartsWith("acct:", StringComparison.OrdinalIgnoreCase))
        {
            var acct = resource[5..];
            var at = acct.LastIndexOf('@');
            username = at > 0 && string.Equals(acct[(at + 1)..], options.Host, StringComparison.OrdinalIgnoreCase) ? acct[..at] : null;
        }
        else
        {
            username = urls.UsernameOf(resource);
        }
        if (username is null || !Accounts.AccountRules.IsValidUsername(username) ||
            await grains.GetGrain<IUserGrain>(Accounts.AccountRules.Key(username)).GetSettings() is not { ActivityPub: true, Deleting: false })
        {
            return Problem.NotFound($"No federated account for '{resource}' here.");
        }
        var key = Accounts.AccountRules.Key(username);
        var actor = urls.Actor(key);
        return ActivityResults.Activity(new JsonObject
        {
            ["subject"] = $"acct:{key}@{options.Host}",
            ["aliases"] = new JsonArray(actor),
            ["links"] = new JsonArray(
                new JsonObject { ["rel"] = "self", ["type"] = ActivityResults.ActivityJson, ["href"] = actor },
                new JsonObject { ["rel"] = "http://webfinger.net/rel/profile-page", ["type"] = "text/html", ["href"] = actor }),
        }, "application/jrd+json");
    }

    private static async Task<IResult> NodeInfo(NpgsqlDataSource database, IConfiguration configuration)
    {
        // Users are grain state rows, check-ins rows of their own (published and not deleted); two counts, fine for a
        // document servers fetch about daily.
        await using var command = database.CreateCommand("""
            SELECT (SELECT count(*) FROM orleans_storage WHERE service_id = @service AND grain_type = 'user'),
                   (SELECT count(*) FROM checkins
                     WHERE deleted_at IS NULL AND NOT held_until_next AND (publish_at IS NULL OR publish_at <= now()))
            """);
        command.Parameters.AddWithValue("service", Grains.ClusterIdentity.From(configuration).ServiceId);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        var users = reader.GetInt64(0);
        var posts = reader.GetInt64(1);
        return ActivityResults.Activity(new JsonObject
        {
            ["version"] = "2.1",
            ["software"] = new JsonObject
            {
                ["name"] = "herenow",
                ["version"] = typeof(WellKnownEndpoints).Assembly.GetName().Version?.ToString(3) ?? "1.0.0",
                ["homepage"] = "https://github.com/herenow",
            },
            ["protocols"] = new JsonArray("activitypub"),
            ["services"] = new JsonObject { ["inbound"] = new JsonArray(), ["outbound"] = new JsonArray() },
            ["openRegistrations"] = true,
            ["usage"] = new JsonObject
            {
                ["users"] = new JsonObject { ["total"] = users },
                ["localPosts"] = posts,
            },
            ["metadata"] = new JsonObject { ["nodeName"] = "Herenow" },
        }, "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"");
    }
}
