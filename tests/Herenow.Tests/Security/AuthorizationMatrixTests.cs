using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Api.Accounts;
using Herenow.Api.Admin;
using Herenow.Api.Checkins;
using Herenow.Api.Media;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Security;

/// <summary>
/// Who may do what, endpoint by endpoint: every REST endpoint of the running app against the callers {anonymous, the
/// owner of the thing, another user, a user the owner blocked, a follower of the owner}, with the expected status of
/// each written out as data. The endpoints are read from the app's EndpointDataSource, so a new endpoint without a
/// row here fails <see cref="Every_endpoint_has_a_matrix_row"/>.
/// </summary>
public sealed class AuthorizationMatrixTests(AuthzScenario scenario) : IClassFixture<AuthzScenario>
{
    /// <summary>The order callers act in: the owner last, so that a destructive request by the owner comes after the others.</summary>
    private static readonly Caller[] Order = [Caller.Anonymous, Caller.Blocked, Caller.Other, Caller.Follower, Caller.Owner];

    /// <summary>Public by design (protocols, docs, health, photo bytes): checked on their own below.</summary>
    private static readonly string[] PublicPrefixes = ["/openapi", "/docs", "/health", "/.well-known", "/nodeinfo", "/users", "/actor", "/inbox", "/media/"];

    private static JsonContent Json(object body) => JsonContent.Create(body);

    private static Task<string> Fixed(string path) => Task.FromResult(path);

    public static readonly AuthzRow[] Rows =
    [
        // Accounts. Sign-up is open to everyone; what it creates is a new account, never the caller's.
        new("POST /api/v1/accounts", "sign up", (_, _) => Fixed("/api/v1/accounts"), 201, 201, 201, 201, 201)
        {
            Body = (_, _) => Json(new { username = "azn_" + Guid.NewGuid().ToString("N")[..12], password = ApiCalls.Password }),
        },
        new("GET /api/v1/accounts/me", "me is the caller", (_, _) => Fixed("/api/v1/accounts/me"), 401, 200, 200, 200, 200)
        {
            Check = async (s, c, r) => Assert.Equal(s.Username(c), (await r.ReadAsync<MeResponse>()).Username),
        },
        new("PATCH /api/v1/accounts/me", "PATCH me changes only the caller", (_, _) => Fixed("/api/v1/accounts/me"), 401, 200, 200, 200, 200)
        {
            Body = (_, c) => Json(new { note = $"note of {c}" }),
            Check = async (s, c, r) =>
            {
                var me = await r.ReadAsync<MeResponse>();
                Assert.Equal(s.Username(c), me.Username);
                Assert.Equal($"note of {c}", me.Note);
                // The owner's profile carries the owner's note only (or none yet), whoever patched before.
                var owner = await s.Http.GetAsync<AccountResponse>($"/api/v1/accounts/{s.Owner}");
                Assert.True(owner.Note is "" or "note of Owner", owner.Note);
            },
        },
        new("DELETE /api/v1/accounts/me", "a token alone cannot delete an account: the password is asked again", (_, _) => Fixed("/api/v1/accounts/me"), 401, 403, 403, 403, 403)
        {
            Body = (_, _) => Json(new { password = "not-the-password" }),
            Check = async (s, c, _) => Assert.Equal(HttpStatusCode.OK, (await s.Send(c, HttpMethod.Get, "/api/v1/accounts/me")).StatusCode),
        },
        new("GET /api/v1/accounts/{username}", "an account is hidden from whom it blocks", (s, _) => Fixed($"/api/v1/accounts/{s.Owner}"), 200, 200, 200, 404, 200),
        new("POST /api/v1/accounts/{username}/follow", "follow", (s, _) => Fixed($"/api/v1/accounts/{s.Owner}/follow"), 401, 422, 200, 404, 200)
        {
            Cleanup = s => s.As(Caller.Other, HttpMethod.Delete, $"/api/v1/accounts/{s.Owner}/follow"),
        },
        new("DELETE /api/v1/accounts/{username}/follow", "unfollow acts on the caller's follow only", (s, _) => Fixed($"/api/v1/accounts/{s.Owner}/follow"), 401, 200, 200, 200, 200)
        {
            Check = async (s, c, _) =>
            {
                // Nobody else's unfollow undoes the follower's follow.
                if (c is Caller.Other or Caller.Blocked) Assert.Equal(HttpStatusCode.OK, (await s.Send(Caller.Follower, HttpMethod.Get, $"/api/v1/checkins/{s.FollowersCheckin}")).StatusCode);
            },
            Cleanup = s => s.As(Caller.Follower, HttpMethod.Post, $"/api/v1/accounts/{s.Owner}/follow"),
        },
        new("POST /api/v1/accounts/{username}/block", "block (the caller's own block)", (s, _) => Fixed($"/api/v1/accounts/{s.Owner}/block"), 401, 422, 200, 200, 200)
        {
            Cleanup = async s =>
            {
                foreach (var c in new[] { Caller.Other, Caller.Blocked, Caller.Follower }) await s.As(c, HttpMethod.Delete, $"/api/v1/accounts/{s.Owner}/block");
                await s.As(Caller.Follower, HttpMethod.Post, $"/api/v1/accounts/{s.Owner}/follow");
            },
        },
        new("DELETE /api/v1/accounts/{username}/block", "unblock lifts only the caller's own block", (s, _) => Fixed($"/api/v1/accounts/{s.Owner}/block"), 401, 200, 200, 200, 200)
        {
            Check = async (s, c, _) =>
            {
                // The blocked user "unblocking" the owner does not lift the owner's block of them.
                if (c == Caller.Blocked) Assert.Equal(HttpStatusCode.NotFound, (await s.Send(Caller.Blocked, HttpMethod.Get, $"/api/v1/accounts/{s.Owner}")).StatusCode);
            },
        },
        new("GET /api/v1/accounts/{username}/followers", "followers", (s, _) => Fixed($"/api/v1/accounts/{s.Owner}/followers"), 200, 200, 200, 404, 200),
        new("GET /api/v1/accounts/{username}/following", "following", (s, _) => Fixed($"/api/v1/accounts/{s.Owner}/following"), 200, 200, 200, 404, 200),
        new("GET /api/v1/accounts/{username}/checkins", "history shows each caller what they may see", (s, _) => Fixed($"/api/v1/accounts/{s.Owner}/checkins?limit=40"), 200, 200, 200, 404, 200)
        {
            Check = async (s, c, r) =>
            {
                var ids = (await r.ReadAsync<List<CheckinResponse>>()).Ids().ToHashSet();
                Assert.Contains(s.PublicCheckin, ids);
                Assert.Equal(c is Caller.Owner or Caller.Follower, ids.Contains(s.FollowersCheckin));
                Assert.Equal(c is Caller.Owner, ids.Contains(s.PrivateCheckin));
            },
        },

        // Sessions: a token is revoked by whoever holds it, and only that token.
        new("POST /api/v1/sessions", "sign in", (_, _) => Fixed("/api/v1/sessions"), 200, 200, 200, 200, 200)
        {
            Body = (s, _) => Json(new { username = s.Owner, password = ApiCalls.Password }),
        },
        new("DELETE /api/v1/sessions/current", "sign out revokes the token used", (_, _) => Fixed("/api/v1/sessions/current"), 401, 204, 204, 204, 204)
        {
            // Sent with a fresh token of the caller (see Run), so the fixture's tokens survive; Run checks the rest.
        },

        // Places: anyone reads, a signed-in user creates.
        new("POST /api/v1/places", "create a place", (_, _) => Fixed("/api/v1/places"), 401, 201, 201, 201, 201)
        {
            Body = (_, c) => Json(new { name = $"Matrix place by {c}", latitude = 52.52, longitude = 13.405 }),
        },
        new("GET /api/v1/places/nearby", "nearby", (_, _) => Fixed("/api/v1/places/nearby?latitude=52.52&longitude=13.405"), 200, 200, 200, 200, 200),
        new("GET /api/v1/places/{id}", "a place", (s, _) => Fixed($"/api/v1/places/{s.Place}"), 200, 200, 200, 200, 200),
        new("GET /api/v1/places/{id}/checkins", "a place's check-ins as each caller may see them", (s, _) => Fixed($"/api/v1/places/{s.Place}/checkins?limit=40"), 200, 200, 200, 200, 200)
        {
            Check = async (s, c, r) =>
            {
                var ids = (await r.ReadAsync<List<CheckinResponse>>()).Ids().ToHashSet();
                Assert.Equal(c != Caller.Blocked, ids.Contains(s.PublicCheckin));
                Assert.Equal(c is Caller.Owner or Caller.Follower, ids.Contains(s.FollowersCheckin));
                Assert.Equal(c is Caller.Owner, ids.Contains(s.PrivateCheckin));
            },
        },

        // Check-ins.
        new("POST /api/v1/checkins", "check in (as the caller)", (_, _) => Fixed("/api/v1/checkins"), 401, 201, 201, 201, 201)
        {
            Body = (s, _) => Json(new { place_id = s.Place, latitude = 52.52, longitude = 13.405, visibility = "private" }),
            Check = async (s, c, r) => Assert.Equal(s.Username(c), (await r.ReadAsync<CheckinResponse>()).Account.Username),
        },
        new("GET /api/v1/checkins/{id}", "a public check-in", (s, _) => Fixed($"/api/v1/checkins/{s.PublicCheckin}"), 200, 200, 200, 404, 200),
        new("GET /api/v1/checkins/{id}", "a followers-only check-in", (s, _) => Fixed($"/api/v1/checkins/{s.FollowersCheckin}"), 404, 200, 404, 404, 200),
        new("GET /api/v1/checkins/{id}", "a private check-in", (s, _) => Fixed($"/api/v1/checkins/{s.PrivateCheckin}"), 404, 200, 404, 404, 404),
        new("DELETE /api/v1/checkins/{id}", "delete a public check-in: author only, 403 to who can see it", (s, _) => s.CheckinPathAsync("public"), 401, 204, 403, 404, 403),
        new("DELETE /api/v1/checkins/{id}", "delete a followers-only check-in", (s, _) => s.CheckinPathAsync("followers"), 401, 204, 404, 404, 403),
        new("DELETE /api/v1/checkins/{id}", "delete a private check-in", (s, _) => s.CheckinPathAsync("private"), 401, 204, 404, 404, 404),
        new("POST /api/v1/checkins/{id}/like", "like a public check-in: a like counts as the caller", async (s, _) => $"/api/v1/checkins/{await s.SharedCheckinAsync("like-public", "public")}/like", 401, 200, 200, 404, 200)
        {
            Check = async (s, c, r) =>
            {
                // Anonymous and blocked added nothing; each other like adds one: Other, Follower, Owner in that order.
                var expected = c switch { Caller.Other => 1, Caller.Follower => 2, _ => 3 };
                Assert.Equal(expected, (await r.ReadAsync<CheckinResponse>()).LikesCount);
                // Liking twice is still one like.
                var again = await s.Send(c, HttpMethod.Post, r.RequestMessage!.RequestUri!.PathAndQuery);
                Assert.Equal(expected, (await again.ReadAsync<CheckinResponse>()).LikesCount);
            },
        },
        new("POST /api/v1/checkins/{id}/like", "like a followers-only check-in", async (s, _) => $"/api/v1/checkins/{await s.SharedCheckinAsync("like-followers", "followers")}/like", 401, 200, 404, 404, 200),
        new("POST /api/v1/checkins/{id}/like", "like a private check-in", async (s, _) => $"/api/v1/checkins/{await s.SharedCheckinAsync("like-private", "private")}/like", 401, 200, 404, 404, 404),
        new("DELETE /api/v1/checkins/{id}/like", "unlike removes the caller's like only", async (s, _) => $"/api/v1/checkins/{await s.LikedByAllAsync()}/like", 401, 200, 200, 404, 200)
        {
            Check = async (s, c, r) =>
            {
                // Liked by Owner, Other and Follower; each unlike removes exactly one: Other, Follower, Owner in that order.
                var expected = c switch { Caller.Other => 2, Caller.Follower => 1, _ => 0 };
                Assert.Equal(expected, (await r.ReadAsync<CheckinResponse>()).LikesCount);
            },
        },

        // Feeds: home is the caller's own; global is public check-ins only.
        new("GET /api/v1/feeds/home", "home is the caller's own feed", (_, _) => Fixed("/api/v1/feeds/home?limit=40"), 401, 200, 200, 200, 200)
        {
            Check = async (s, c, r) =>
            {
                var ids = (await r.ReadAsync<List<CheckinResponse>>()).Ids().ToHashSet();
                // The owner's own feed has all three; nobody else's has the private one; only a follower's has any.
                // (Whether the follower's still has the others depends on which rows unfollowed and re-followed before.)
                if (c == Caller.Owner) Assert.Superset(ids, new HashSet<string> { s.PublicCheckin, s.FollowersCheckin, s.PrivateCheckin });
                if (c != Caller.Owner) Assert.DoesNotContain(s.PrivateCheckin, ids);
                if (c is Caller.Other or Caller.Blocked) Assert.DoesNotContain(s.PublicCheckin, ids);
                if (c is Caller.Other or Caller.Blocked) Assert.DoesNotContain(s.FollowersCheckin, ids);
            },
        },
        new("GET /api/v1/feeds/global", "global shows public check-ins only", (_, _) => Fixed("/api/v1/feeds/global?limit=40"), 200, 200, 200, 200, 200)
        {
            Check = async (s, c, r) =>
            {
                var ids = (await r.ReadAsync<List<CheckinResponse>>()).Ids().ToHashSet();
                Assert.DoesNotContain(s.FollowersCheckin, ids);
                Assert.DoesNotContain(s.PrivateCheckin, ids);
                Assert.Equal(c != Caller.Blocked, ids.Contains(s.PublicCheckin));
            },
        },

        // Media: uploads are private to their uploader until attached.
        new("POST /api/v1/media", "upload", (_, _) => Fixed("/api/v1/media"), 401, 201, 201, 201, 201)
        {
            Body = (_, _) => AuthzScenario.JpegForm(),
        },
        new("GET /api/v1/media/{id}", "an upload is its uploader's only", (s, _) => Fixed($"/api/v1/media/{s.Media}"), 401, 200, 404, 404, 404),

        // Streams: home needs a token; global is public check-ins for anyone.
        new("GET /api/v1/streaming/home", "home stream", (_, _) => Fixed("/api/v1/streaming/home"), 401, 200, 200, 200, 200) { Stream = true },
        new("GET /api/v1/streaming/global", "global stream", (_, _) => Fixed("/api/v1/streaming/global"), 200, 200, 200, 200, 200) { Stream = true },

        // Operators' view of the delivery queue: counts only, public by design (FederationStatusEndpoints).
        new("GET /api/v1/federation/queue", "delivery queue counts", (_, _) => Fixed("/api/v1/federation/queue"), 200, 200, 200, 200, 200),

        // Operators: the owner is the one admin (Herenow:Admin:Usernames); every other account is refused with 403.
        new("GET /api/v1/admin/cluster", "the cluster view is for admins only", (_, _) => Fixed("/api/v1/admin/cluster"), 401, 200, 403, 403, 403)
        {
            Check = async (_, _, r) => Assert.NotEmpty((await r.ReadAsync<AdminEndpoints.ClusterResponse>()).Silos),
        },
    ];

    public static TheoryData<string> RowNames()
    {
        var data = new TheoryData<string>();
        foreach (var row in Rows) data.Add(row.Name);
        return data;
    }

    [Fact]
    public void Every_endpoint_has_a_matrix_row()
    {
        var sources = scenario.Api.Services.GetRequiredService<EndpointDataSource>();
        var endpoints = sources.Endpoints.OfType<RouteEndpoint>()
            .SelectMany(e => (e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["ANY"])
                .Select(m => $"{m} {Normalize(e.RoutePattern.RawText!)}"))
            .Where(key => !PublicPrefixes.Any(p => key[(key.IndexOf(' ', StringComparison.Ordinal) + 1)..].StartsWith(p, StringComparison.Ordinal)))
            .ToHashSet();
        var covered = Rows.Select(r => r.Endpoint).ToHashSet();
        Assert.Empty(endpoints.Except(covered).Order());
        // And no row for an endpoint that no longer exists.
        Assert.Empty(covered.Except(endpoints).Order());
    }

    private static string Normalize(string pattern)
    {
        var path = "/" + pattern.Trim('/');
        return path;
    }

    [Theory]
    [MemberData(nameof(RowNames))]
    public async Task Each_caller_gets_the_expected_status(string name)
    {
        var row = Rows.Single(r => r.Name == name);
        var method = new HttpMethod(row.Endpoint[..row.Endpoint.IndexOf(' ', StringComparison.Ordinal)]);
        var failures = new List<string>();
        foreach (var caller in Order)
        {
            var path = await row.Path(scenario, caller);
            var token = row.Endpoint == "DELETE /api/v1/sessions/current" && caller != Caller.Anonymous
                ? await scenario.FreshTokenAsync(caller)
                : scenario.Token(caller);
            using var request = new HttpRequestMessage(method, path) { Content = row.Body?.Invoke(scenario, caller) };
            if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            using var response = await scenario.Http.SendAsync(request,
                row.Stream ? HttpCompletionOption.ResponseHeadersRead : HttpCompletionOption.ResponseContentRead, cancel.Token);
            var expected = row.Expected(caller);
            if ((int)response.StatusCode != expected)
            {
                failures.Add($"{caller}: expected {expected}, got {(int)response.StatusCode} for {method} {path}");
                continue;
            }
            if (expected >= 400)
            {
                await ProblemAssert.IsProblem(response, (HttpStatusCode)expected);
            }
            else if (row.Stream)
            {
                Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
            }
            else if (row.Check is not null)
            {
                await row.Check(scenario, caller, response);
            }
            if (row.Endpoint == "DELETE /api/v1/sessions/current" && caller != Caller.Anonymous)
            {
                // The revoked token is dead; the caller's other session lives on.
                Assert.Equal(HttpStatusCode.Unauthorized, (await scenario.Http.CallAsync(HttpMethod.Get, "/api/v1/accounts/me", token)).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await scenario.Send(caller, HttpMethod.Get, "/api/v1/accounts/me")).StatusCode);
            }
            if (row.Endpoint == "DELETE /api/v1/checkins/{id}" && expected == 204)
            {
                Assert.Equal(HttpStatusCode.NotFound, (await scenario.Send(Caller.Owner, HttpMethod.Get, path)).StatusCode);
            }
            else if (row.Endpoint == "DELETE /api/v1/checkins/{id}")
            {
                // Refused: the check-in is still there for its author.
                Assert.Equal(HttpStatusCode.OK, (await scenario.Send(Caller.Owner, HttpMethod.Get, path)).StatusCode);
            }
        }
        if (row.Cleanup is not null) await row.Cleanup(scenario);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Another_users_media_cannot_be_attached()
    {
        var mine = await scenario.UploadAsync(Caller.Other);
        var body = new { place_id = scenario.Place, latitude = 52.52, longitude = 13.405, media_ids = new[] { scenario.Media } };
        var theirs = await scenario.Http.CallAsync(HttpMethod.Post, "/api/v1/checkins", scenario.Token(Caller.Other), body);
        var problem = await ProblemAssert.IsProblem(theirs, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("media_ids", problem.Errors.Keys);
        // Mixed with one of the caller's own: still refused as a whole, and the caller's own stays attachable.
        var mixed = await scenario.Http.CallAsync(HttpMethod.Post, "/api/v1/checkins", scenario.Token(Caller.Other),
            new { place_id = scenario.Place, latitude = 52.52, longitude = 13.405, media_ids = new[] { mine, scenario.Media } });
        await ProblemAssert.IsProblem(mixed, HttpStatusCode.UnprocessableEntity);
        var own = await scenario.Http.CallAsync(HttpMethod.Post, "/api/v1/checkins", scenario.Token(Caller.Other),
            new { place_id = scenario.Place, latitude = 52.52, longitude = 13.405, visibility = "private", media_ids = new[] { mine } });
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
        // The owner's upload is still the owner's, unattached.
        Assert.Equal(HttpStatusCode.OK, (await scenario.Send(Caller.Owner, HttpMethod.Get, $"/api/v1/media/{scenario.Media}")).StatusCode);
        // Once attached to one check-in, even its uploader cannot attach it to a second.
        var again = await scenario.Http.CallAsync(HttpMethod.Post, "/api/v1/checkins", scenario.Token(Caller.Other),
            new { place_id = scenario.Place, latitude = 52.52, longitude = 13.405, media_ids = new[] { mine } });
        await ProblemAssert.IsProblem(again, HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_bad_or_revoked_token_is_401_on_every_authenticated_endpoint()
    {
        var failures = new List<string>();
        foreach (var row in Rows.Where(r => r.Anonymous == 401).DistinctBy(r => r.Endpoint))
        {
            var method = new HttpMethod(row.Endpoint[..row.Endpoint.IndexOf(' ', StringComparison.Ordinal)]);
            var path = await row.Path(scenario, Caller.Other);
            using var request = new HttpRequestMessage(method, path) { Content = row.Body?.Invoke(scenario, Caller.Other) };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-a-token-" + Guid.NewGuid());
            using var response = await scenario.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            if (response.StatusCode != HttpStatusCode.Unauthorized) failures.Add($"{row.Endpoint}: {(int)response.StatusCode}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task Public_by_design_endpoints_answer_anonymously_and_show_nothing_private()
    {
        Assert.Equal(HttpStatusCode.OK, (await scenario.Http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await scenario.Http.GetAsync("/openapi/v1.json")).StatusCode);
        // Photo bytes are public by their unguessable content hash; a well-formed but unknown key is 404.
        Assert.Equal(HttpStatusCode.NotFound, (await scenario.Http.GetAsync("/media/" + new string('0', 64) + ".jpg")).StatusCode);
        // The actor and outbox never list followers-only or private check-ins, whatever federation mode the host runs in.
        foreach (var path in new[] { $"/users/{scenario.Owner}", $"/users/{scenario.Owner}/outbox", $"/users/{scenario.Owner}/outbox?page=1" })
        {
            var response = await scenario.Http.GetAsync(path);
            Assert.True((int)response.StatusCode < 500, $"{path}: {(int)response.StatusCode}");
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(scenario.FollowersCheckin, text, StringComparison.Ordinal);
            Assert.DoesNotContain(scenario.PrivateCheckin, text, StringComparison.Ordinal);
        }
        foreach (var id in new[] { scenario.FollowersCheckin, scenario.PrivateCheckin })
        {
            var note = await scenario.Http.GetAsync($"/users/{scenario.Owner}/checkins/{id}");
            Assert.True(note.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Gone, $"{id}: {(int)note.StatusCode}");
        }
    }
}

public enum Caller { Anonymous, Owner, Other, Blocked, Follower }

/// <summary>
/// One row: a request (built fresh for every caller, so destructive ones act on their own objects) and the status
/// each caller must get. <paramref name="Check"/> runs on every answer with the expected status 2xx.
/// </summary>
public sealed record AuthzRow(
    string Endpoint,
    string Name,
    Func<AuthzScenario, Caller, Task<string>> Path,
    int Anonymous, int Owner, int Other, int Blocked, int Follower)
{
    public Func<AuthzScenario, Caller, HttpContent?>? Body { get; init; }
    public Func<AuthzScenario, Caller, HttpResponseMessage, Task>? Check { get; init; }
    public Func<AuthzScenario, Task>? Cleanup { get; init; }

    /// <summary>Streams: only the status and headers are read.</summary>
    public bool Stream { get; init; }

    public int Expected(Caller caller) => caller switch
    {
        Caller.Anonymous => Anonymous,
        Caller.Owner => Owner,
        Caller.Other => Other,
        Caller.Blocked => Blocked,
        _ => Follower,
    };

    public override string ToString() => Name;
}

/// <summary>The callers and the owner's things, made once for the class.</summary>
public sealed class AuthzScenario : IAsyncLifetime
{
    private readonly Dictionary<Caller, string> tokens = [];
    private readonly Dictionary<string, string> shared = [];
    private readonly string prefix = "az" + Guid.NewGuid().ToString("N")[..6];

    public AuthzScenario() => Api = new ApiHost { Settings = { [Herenow.Api.Admin.AdminAuthorization.UsernamesKey] = Username(Caller.Owner) } };

    public ApiHost Api { get; }
    public HttpClient Http => Api.Http;
    public string Owner => Username(Caller.Owner);
    public string Place { get; private set; } = "";
    public string PublicCheckin { get; private set; } = "";
    public string FollowersCheckin { get; private set; } = "";
    public string PrivateCheckin { get; private set; } = "";
    public string Media { get; private set; } = "";

    public string Username(Caller caller) => $"{prefix}_{caller.ToString().ToLowerInvariant()}";

    public string? Token(Caller caller) => caller == Caller.Anonymous ? null : tokens[caller];

    public async Task InitializeAsync()
    {
        await Api.InitializeAsync();
        await SetUpAsync();
    }

    public Task DisposeAsync() => Api.DisposeAsync();

    private async Task SetUpAsync()
    {
        foreach (var caller in new[] { Caller.Owner, Caller.Other, Caller.Blocked, Caller.Follower })
        {
            tokens[caller] = await Http.SignUpAsync(Username(caller));
        }
        Assert.Equal(HttpStatusCode.OK, (await Send(Caller.Owner, HttpMethod.Post, $"/api/v1/accounts/{Username(Caller.Blocked)}/block")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(Caller.Follower, HttpMethod.Post, $"/api/v1/accounts/{Owner}/follow")).StatusCode);
        Place = await Http.CreatePlaceAsync(tokens[Caller.Owner], $"Matrix place {prefix}");
        PublicCheckin = await Http.CheckInAsync(tokens[Caller.Owner], Place, "public");
        FollowersCheckin = await Http.CheckInAsync(tokens[Caller.Owner], Place, "followers");
        PrivateCheckin = await Http.CheckInAsync(tokens[Caller.Owner], Place, "private");
        Media = await UploadAsync(Caller.Owner);
    }

    public async Task<HttpResponseMessage> Send(Caller caller, HttpMethod method, string path, object? body = null) =>
        await Http.CallAsync(method, path, Token(caller), body);

    public async Task As(Caller caller, HttpMethod method, string path) => (await Send(caller, method, path)).Dispose();

    public async Task<string> FreshTokenAsync(Caller caller) => await Http.SignUpAsync(Username(caller));

    public async Task<string> CheckinPathAsync(string visibility) => $"/api/v1/checkins/{await NewCheckinAsync(visibility)}";

    public Task<string> NewCheckinAsync(string visibility) => Http.CheckInAsync(tokens[Caller.Owner], Place, visibility);

    /// <summary>One check-in by the owner per key, made on first use (a row's callers share it).</summary>
    public async Task<string> SharedCheckinAsync(string key, string visibility)
    {
        if (!shared.TryGetValue(key, out var id)) shared[key] = id = await NewCheckinAsync(visibility);
        return id;
    }

    /// <summary>A public check-in liked by the owner, the other user and the follower.</summary>
    public async Task<string> LikedByAllAsync()
    {
        if (shared.TryGetValue("liked", out var id)) return id;
        shared["liked"] = id = await NewCheckinAsync("public");
        foreach (var c in new[] { Caller.Owner, Caller.Other, Caller.Follower })
        {
            Assert.Equal(HttpStatusCode.OK, (await Send(c, HttpMethod.Post, $"/api/v1/checkins/{id}/like")).StatusCode);
        }
        return id;
    }

    public async Task<string> UploadAsync(Caller caller)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/media") { Content = JpegForm() };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[caller]);
        var response = await Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadAsync<MediaResponse>()).Id;
    }

    private static readonly Lazy<byte[]> Jpeg = new(() =>
    {
        using var image = TestImages.Gradient(64, 48);
        return TestImages.Jpeg(image);
    });

    public static MultipartFormDataContent JpegForm()
    {
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(Jpeg.Value);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(part, "file", "photo.jpg");
        return form;
    }
}
