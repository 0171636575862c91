using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Herenow.Tests.Security;

/// <summary>
/// Backoff against password guessing on POST /api/v1/sessions: a lockout per username and address after consecutive
/// failures that doubles, refuses even the right password while it runs, and is reset by a successful sign-in; and a
/// window of attempts per username and address.
/// </summary>
[Collection(LimitsCollection.Name)]
public sealed class RateLimitLoginTests(LimitsApiFixture fixture)
{
    private readonly HttpClient generous = fixture.Generous.CreateClient();

    private static Task<HttpResponseMessage> SignIn(HttpClient http, string username, string password) =>
        http.PostAsJsonAsync("/api/v1/sessions", new { username, password });

    /// <summary>Waits out a lockout: Retry-After is whole seconds, rounded up.</summary>
    private static Task WaitOut(int retryAfterSeconds) => Task.Delay(TimeSpan.FromSeconds(retryAfterSeconds) + TimeSpan.FromMilliseconds(200));

    [Fact]
    public async Task Wrong_passwords_on_account_deletion_count_against_the_same_lockout_as_sign_in()
    {
        const string user = "limits_delete_cat";
        var token = await generous.SignUpAsync(user);
        var http = fixture.Api(new Dictionary<string, string?>
        {
            ["Herenow:RateLimits:Login:FailuresBeforeLockout"] = "2",
            ["Herenow:RateLimits:Login:Lockout"] = "00:00:30",
        }).CreateClient();

        // A stolen token is not a way to guess the password: two wrong guesses lock the account out...
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Delete, "/api/v1/accounts/me", token, new { password = "guess 1" }), HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Delete, "/api/v1/accounts/me", token, new { password = "guess 2" }), HttpStatusCode.Forbidden);
        // ...of deleting, even with the right password, and of signing in from that address.
        await RateLimitTests.AssertTooMany(await http.CallAsync(HttpMethod.Delete, "/api/v1/accounts/me", token, new { password = ApiCalls.Password }));
        await RateLimitTests.AssertTooMany(await SignIn(http, user, ApiCalls.Password));
        Assert.Equal(HttpStatusCode.OK, (await generous.CallAsync(HttpMethod.Get, "/api/v1/accounts/me", token)).StatusCode);
    }

    [Fact]
    public async Task Failures_lock_out_with_growing_retry_after_and_a_success_resets()
    {
        const string user = "limits_login_ann";
        await generous.SignUpAsync(user);
        var http = fixture.Api(new Dictionary<string, string?>
        {
            ["Herenow:RateLimits:Login:FailuresBeforeLockout"] = "2",
            ["Herenow:RateLimits:Login:Lockout"] = "00:00:02",
            ["Herenow:RateLimits:Login:MaxLockout"] = "00:00:16",
        }).CreateClient();

        await ProblemAssert.IsProblem(await SignIn(http, user, "wrong password 1"), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblem(await SignIn(http, user, "wrong password 2"), HttpStatusCode.Unauthorized);
        // Locked for 2 s: even the right password is refused, unchecked.
        var first = await RateLimitTests.AssertTooMany(await SignIn(http, user, ApiCalls.Password));
        Assert.InRange(first, 1, 2);

        await WaitOut(first);
        // One more failure after the lockout: locked again, for twice as long.
        await ProblemAssert.IsProblem(await SignIn(http, user, "wrong password 3"), HttpStatusCode.Unauthorized);
        var second = await RateLimitTests.AssertTooMany(await SignIn(http, user, "wrong password 4"));
        Assert.InRange(second, 3, 4);
        Assert.True(second > first, $"Retry-After {first} then {second}");
        await RateLimitTests.AssertTooMany(await SignIn(http, user, ApiCalls.Password));

        // Another account from the same address is not affected.
        await generous.SignUpAsync("limits_login_bob");
        Assert.Equal(HttpStatusCode.OK, (await SignIn(http, "limits_login_bob", ApiCalls.Password)).StatusCode);

        await WaitOut(second);
        var success = await SignIn(http, user, ApiCalls.Password);
        Assert.Equal(HttpStatusCode.OK, success.StatusCode);
        Assert.False(string.IsNullOrEmpty((await success.ReadAsync<Herenow.Api.Sessions.SessionResponse>()).AccessToken));

        // The success forgot the failures: one failure is a plain 401 again, and the next lockout is the first length.
        await ProblemAssert.IsProblem(await SignIn(http, user, "wrong password 5"), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblem(await SignIn(http, user, "wrong password 6"), HttpStatusCode.Unauthorized);
        Assert.InRange(await RateLimitTests.AssertTooMany(await SignIn(http, user, ApiCalls.Password)), 1, 2);
    }

    [Fact]
    public async Task A_lockout_holds_for_one_address_only_and_unknown_names_are_treated_alike()
    {
        const string user = "limits_login_cid";
        await generous.SignUpAsync(user);
        var api = fixture.Api(new Dictionary<string, string?>
        {
            ["Herenow:RateLimits:Login:FailuresBeforeLockout"] = "2",
            ["Herenow:RateLimits:Login:Lockout"] = "00:05:00",
        });
        var http = api.CreateClient();

        foreach (var name in new[] { user, "limits_login_nobody" })
        {
            await ProblemAssert.IsProblem(await SignIn(http, name, "wrong password"), HttpStatusCode.Unauthorized);
            await ProblemAssert.IsProblem(await SignIn(http, name, "wrong password"), HttpStatusCode.Unauthorized);
            Assert.InRange(await RateLimitTests.AssertTooMany(await SignIn(http, name, "wrong password")), 299, 300);
        }

        var elsewhere = await api.PostJsonFrom("192.0.2.44", "/api/v1/sessions", new { username = user, password = ApiCalls.Password });
        Assert.Equal(StatusCodes.Status200OK, elsewhere.Response.StatusCode);
    }

    [Fact]
    public async Task Attempts_per_username_and_address_have_a_window()
    {
        const string user = "limits_login_dan";
        await generous.SignUpAsync(user);
        var api = fixture.Api(new Dictionary<string, string?>
        {
            ["Herenow:RateLimits:Login:PermitLimit"] = "3",
            ["Herenow:RateLimits:Login:Window"] = "00:10:00",
        });
        var http = api.CreateClient();

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await SignIn(http, user, ApiCalls.Password)).StatusCode);
        }
        Assert.InRange(await RateLimitTests.AssertTooMany(await SignIn(http, user, ApiCalls.Password)), 1, 600);
        // The name is matched case-insensitively, as accounts are.
        await RateLimitTests.AssertTooMany(await SignIn(http, "LIMITS_LOGIN_DAN", ApiCalls.Password));

        var elsewhere = await api.PostJsonFrom("192.0.2.45", "/api/v1/sessions", new { username = user, password = ApiCalls.Password });
        Assert.Equal(StatusCodes.Status200OK, elsewhere.Response.StatusCode);
    }
}
