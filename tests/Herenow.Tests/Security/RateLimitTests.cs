using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Herenow.Tests.Security;

/// <summary>
/// The request rate limits through the real API, each with small values on an API of its own: writes per account,
/// anonymous requests and sign-ups per address, inbox deliveries per address; 429 problems with Retry-After; and
/// everyone else unaffected.
/// </summary>
[Collection(LimitsCollection.Name)]
public sealed class RateLimitTests(LimitsApiFixture fixture)
{
    private readonly HttpClient generous = fixture.Generous.CreateClient();

    /// <summary>A 429 problem document; returns its Retry-After in seconds.</summary>
    public static async Task<int> AssertTooMany(HttpResponseMessage response)
    {
        await ProblemAssert.IsProblem(response, HttpStatusCode.TooManyRequests);
        var retryAfter = Assert.Single(response.Headers.GetValues("Retry-After"));
        var seconds = int.Parse(retryAfter, NumberStyles.None, CultureInfo.InvariantCulture);
        Assert.True(seconds >= 1, $"Retry-After: {retryAfter}");
        return seconds;
    }

    private HttpClient Api(params (string Key, string Value)[] settings) =>
        fixture.Api(settings.ToDictionary(s => "Herenow:RateLimits:" + s.Key, s => (string?)s.Value)).CreateClient();

    [Fact]
    public async Task Writes_past_the_bucket_are_429_for_that_account_only()
    {
        var ann = await generous.SignUpAsync("limits_rate_ann");
        var bob = await generous.SignUpAsync("limits_rate_bob");
        var http = Api(("Writes:TokenLimit", "3"), ("Writes:TokensPerPeriod", "1"), ("Writes:ReplenishmentPeriod", "00:10:00"));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await http.CallAsync(HttpMethod.Post, "/api/v1/places", ann, new { name = $"Cafe {i}", latitude = 52.52, longitude = 13.405 })).StatusCode);
        }
        var refused = await http.CallAsync(HttpMethod.Post, "/api/v1/places", ann, new { name = "Cafe 4", latitude = 52.52, longitude = 13.405 });
        var retryAfter = await AssertTooMany(refused);
        Assert.InRange(retryAfter, 1, 600);
        // A PATCH draws on the same bucket.
        await AssertTooMany(await http.CallAsync(HttpMethod.Patch, "/api/v1/accounts/me", ann, new { note = "hi" }));

        // Another account still writes; the limited one still reads.
        Assert.Equal(HttpStatusCode.Created, (await http.CallAsync(HttpMethod.Post, "/api/v1/places", bob, new { name = "Bar", latitude = 52.52, longitude = 13.405 })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Get, "/api/v1/accounts/me", ann)).StatusCode);
    }

    [Fact]
    public async Task Behind_a_known_proxy_anonymous_requests_are_limited_per_forwarded_client()
    {
        var api = fixture.Api(new Dictionary<string, string?>
        {
            ["Herenow:RateLimits:Anonymous:TokenLimit"] = "2",
            ["Herenow:RateLimits:Anonymous:TokensPerPeriod"] = "1",
            ["Herenow:RateLimits:Anonymous:ReplenishmentPeriod"] = "00:10:00",
            ["Herenow:ForwardedHeaders:KnownProxies:0"] = "10.0.0.5",
        });
        async Task<int> ViaProxy(string forwardedFor) => (await api.Server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse("10.0.0.5");
            c.Request.Method = "GET";
            c.Request.Path = "/api/v1/feeds/global";
            c.Request.Headers["X-Forwarded-For"] = forwardedFor;
        })).Response.StatusCode;

        Assert.Equal(StatusCodes.Status200OK, await ViaProxy("203.0.113.1"));
        Assert.Equal(StatusCodes.Status200OK, await ViaProxy("203.0.113.1"));
        Assert.Equal(StatusCodes.Status429TooManyRequests, await ViaProxy("203.0.113.1"));
        // An address the client wrote in front of the proxy's entry buys no fresh budget.
        Assert.Equal(StatusCodes.Status429TooManyRequests, await ViaProxy("192.0.2.77, 203.0.113.1"));
        // Another client behind the same proxy has its own.
        Assert.Equal(StatusCodes.Status200OK, await ViaProxy("203.0.113.2"));
    }

    [Fact]
    public async Task Anonymous_requests_are_limited_per_address_signed_in_ones_are_not()
    {
        var cid = await generous.SignUpAsync("limits_rate_cid");
        var api = fixture.Api(new Dictionary<string, string?>
        {
            ["Herenow:RateLimits:Anonymous:TokenLimit"] = "4",
            ["Herenow:RateLimits:Anonymous:TokensPerPeriod"] = "1",
            ["Herenow:RateLimits:Anonymous:ReplenishmentPeriod"] = "00:10:00",
        });
        var http = api.CreateClient();

        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/feeds/global")).StatusCode);
        }
        await AssertTooMany(await http.GetAsync("/api/v1/feeds/global"));

        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Get, "/api/v1/feeds/global", cid)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        var elsewhere = await api.Server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse("198.51.100.20");
            c.Request.Method = "GET";
            c.Request.Path = "/api/v1/feeds/global";
        });
        Assert.Equal(StatusCodes.Status200OK, elsewhere.Response.StatusCode);
    }

    [Fact]
    public async Task Sign_ups_are_limited_per_address()
    {
        var api = fixture.Api(new Dictionary<string, string?> { ["Herenow:RateLimits:SignUp:PermitLimit"] = "2" });
        var http = api.CreateClient();

        foreach (var name in new[] { "limits_rate_su1", "limits_rate_su2" })
        {
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/v1/accounts", new { username = name, password = ApiCalls.Password })).StatusCode);
        }
        var refused = await http.PostAsJsonAsync("/api/v1/accounts", new { username = "limits_rate_su3", password = ApiCalls.Password });
        var retryAfter = await AssertTooMany(refused);
        Assert.InRange(retryAfter, 1, 3600);
        // Sign-in is not sign-up: it goes on.
        Assert.Equal(HttpStatusCode.OK, (await http.PostAsJsonAsync("/api/v1/sessions", new { username = "limits_rate_su1", password = ApiCalls.Password })).StatusCode);

        var elsewhere = await api.PostJsonFrom("203.0.113.9", "/api/v1/accounts", new { username = "limits_rate_su4", password = ApiCalls.Password });
        Assert.Equal(StatusCodes.Status201Created, elsewhere.Response.StatusCode);
        // An IPv6 client is one client across its /64.
        var v6 = await api.PostJsonFrom("2001:db8:1:2::10", "/api/v1/accounts", new { username = "limits_rate_su5", password = ApiCalls.Password });
        Assert.Equal(StatusCodes.Status201Created, v6.Response.StatusCode);
        var v6b = await api.PostJsonFrom("2001:db8:1:2::11", "/api/v1/accounts", new { username = "limits_rate_su6", password = ApiCalls.Password });
        Assert.Equal(StatusCodes.Status201Created, v6b.Response.StatusCode);
        var v6c = await api.PostJsonFrom("2001:db8:1:2:abcd::12", "/api/v1/accounts", new { username = "limits_rate_su7", password = ApiCalls.Password });
        Assert.Equal(StatusCodes.Status429TooManyRequests, v6c.Response.StatusCode);
        Assert.Equal("application/problem+json", v6c.Response.ContentType?.Split(';')[0]);
    }

    [Fact]
    public async Task Inbox_deliveries_are_limited_per_address()
    {
        var http = Api(("Inbox:TokenLimit", "2"), ("Inbox:TokensPerPeriod", "1"), ("Inbox:ReplenishmentPeriod", "00:10:00"));

        for (var i = 0; i < 2; i++)
        {
            Assert.NotEqual(HttpStatusCode.TooManyRequests, (await http.PostAsJsonAsync("/inbox", new { type = "Follow" })).StatusCode);
        }
        await AssertTooMany(await http.PostAsJsonAsync("/users/limits_rate_ann/inbox", new { type = "Follow" }));
    }

    [Fact]
    public async Task Turned_off_there_are_no_limits()
    {
        var http = Api(("Enabled", "false"), ("Anonymous:TokenLimit", "1"), ("Anonymous:ReplenishmentPeriod", "00:10:00"),
            ("SignUp:PermitLimit", "1"));

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/feeds/global")).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/v1/accounts", new { username = $"limits_rate_off{i}", password = ApiCalls.Password })).StatusCode);
        }
    }
}
