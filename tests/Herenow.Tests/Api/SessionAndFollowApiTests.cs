using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Herenow.Api.Accounts;
using Herenow.Api.Sessions;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Mvc;

namespace Herenow.Tests.Api;

public sealed class SessionAndFollowApiTests(ApiHost api) : IClassFixture<ApiHost>
{
    private readonly HttpClient http = api.Http;

    private async Task<string> SignUp(string username)
    {
        await http.PostAsJsonAsync("/api/v1/accounts", new { username, password = "a long password" });
        var session = await http.PostAsJsonAsync("/api/v1/sessions", new { username, password = "a long password" });
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        var body = await session.ReadAsync<SessionResponse>();
        Assert.Equal("Bearer", body.TokenType);
        return body.AccessToken;
    }

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await http.SendAsync(request);
    }

    [Fact]
    public async Task Wrong_password_and_unknown_user_are_the_same_401()
    {
        await SignUp("sam");

        var wrong = await http.PostAsJsonAsync("/api/v1/sessions", new { username = "sam", password = "not the password" });
        var unknown = await http.PostAsJsonAsync("/api/v1/sessions", new { username = "nobody_x", password = "whatever123" });

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        Assert.Equal((await wrong.ReadAsync<ProblemDetails>()).Detail, (await unknown.ReadAsync<ProblemDetails>()).Detail);
    }

    [Fact]
    public async Task Me_needs_a_token_and_a_revoked_token_stops_working()
    {
        var token = await SignUp("tina");

        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/api/v1/accounts/me", null)).StatusCode);
        var me = await Send(HttpMethod.Get, "/api/v1/accounts/me", token);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("public", (await me.ReadAsync<MeResponse>()).Settings.DefaultVisibility);

        Assert.Equal(HttpStatusCode.NoContent, (await Send(HttpMethod.Delete, "/api/v1/sessions/current", token)).StatusCode);

        var after = await Send(HttpMethod.Get, "/api/v1/accounts/me", token);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal("application/problem+json", after.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Patch_me_updates_the_profile_and_rejects_bad_values_without_changing_anything()
    {
        var token = await SignUp("uma");

        var bad = await Send(HttpMethod.Patch, "/api/v1/accounts/me", token, new { display_name = "New", default_visibility = "everyone" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, bad.StatusCode);
        Assert.Equal("uma", (await http.GetAsync<AccountResponse>("/api/v1/accounts/uma")).DisplayName);

        var ok = await Send(HttpMethod.Patch, "/api/v1/accounts/me", token, new { display_name = "Uma U", note = "hi", default_visibility = "followers" });
        var me = await ok.ReadAsync<MeResponse>();
        Assert.Equal("Uma U", me.DisplayName);
        Assert.Equal("followers", me.Settings.DefaultVisibility);
    }

    [Fact]
    public async Task Follow_updates_both_sides_lists_page_and_unfollow_reverts()
    {
        var vic = await SignUp("vic");
        await SignUp("wes");

        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, "/api/v1/accounts/wes/follow", vic)).StatusCode);

        Assert.Equal(1, (await http.GetAsync<AccountResponse>("/api/v1/accounts/wes")).FollowersCount);
        var followers = await http.GetAsync("/api/v1/accounts/wes/followers");
        Assert.Contains("rel=\"next\"", followers.Headers.GetValues("Link").Single());
        Assert.Equal("vic", (await followers.ReadAsync<List<AccountResponse>>())[0].Username);
        Assert.Equal("wes", (await http.GetAsync<List<AccountResponse>>("/api/v1/accounts/vic/following"))[0].Username);

        await Send(HttpMethod.Delete, "/api/v1/accounts/wes/follow", vic);
        Assert.Equal(0, (await http.GetAsync<AccountResponse>("/api/v1/accounts/wes")).FollowersCount);
    }

    [Fact]
    public async Task A_blocked_user_cannot_follow_or_see_the_blocker()
    {
        var xena = await SignUp("xena");
        var yuri = await SignUp("yuri");
        await Send(HttpMethod.Post, "/api/v1/accounts/xena/follow", yuri);

        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, "/api/v1/accounts/yuri/block", xena)).StatusCode);

        Assert.Equal(0, (await http.GetAsync<AccountResponse>("/api/v1/accounts/xena")).FollowersCount);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, "/api/v1/accounts/xena", yuri)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Post, "/api/v1/accounts/xena/follow", yuri)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(HttpMethod.Get, "/api/v1/accounts/xena/checkins", yuri)).StatusCode);
    }

    [Fact]
    public async Task Writes_without_a_token_are_401_problems()
    {
        var response = await http.PostAsJsonAsync("/api/v1/checkins", new { place_id = "x", latitude = 1, longitude = 1 });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Global_feed_is_readable_anonymously_and_bad_paging_is_422()
    {
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/feeds/global")).StatusCode);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await http.GetAsync("/api/v1/feeds/global?limit=abc")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/feeds/home")).StatusCode);
    }
}
