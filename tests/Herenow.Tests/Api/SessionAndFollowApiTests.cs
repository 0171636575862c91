using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Tests.Support;

namespace Herenow.Tests.Api;

public sealed class SessionAndFollowApiTests(ApiHost api) : IClassFixture<ApiHost>
{
    private readonly HttpClient http = api.Http;

    private async Task<string> SignUp(string username)
    {
        await http.PostAsJsonAsync("/api/v1/accounts", new { username, password = "a long password" });
        var session = await http.PostAsJsonAsync("/api/v1/sessions", new { username, password = "a long password" });
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        var body = await session.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Bearer", body.GetProperty("token_type").GetString());
        return body.GetProperty("access_token").GetString()!;
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
        Assert.Equal(await wrong.Content.ReadFromJsonAsync<JsonElement>() is var w ? w.GetProperty("detail").GetString() : null,
            (await unknown.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Me_needs_a_token_and_a_revoked_token_stops_working()
    {
        var token = await SignUp("tina");

        Assert.Equal(HttpStatusCode.Unauthorized, (await Send(HttpMethod.Get, "/api/v1/accounts/me", null)).StatusCode);
        var me = await Send(HttpMethod.Get, "/api/v1/accounts/me", token);
        Assert.Equal(HttpStatusCode.OK, me.StatusCode);
        Assert.Equal("public", (await me.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("settings").GetProperty("default_visibility").GetString());

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
        Assert.Equal("uma", (await http.GetFromJsonAsync<JsonElement>("/api/v1/accounts/uma")).GetProperty("display_name").GetString());

        var ok = await Send(HttpMethod.Patch, "/api/v1/accounts/me", token, new { display_name = "Uma U", note = "hi", default_visibility = "followers" });
        var me = await ok.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("Uma U", me.GetProperty("display_name").GetString());
        Assert.Equal("followers", me.GetProperty("settings").GetProperty("default_visibility").GetString());
    }

    [Fact]
    public async Task Follow_updates_both_sides_lists_page_and_unfollow_reverts()
    {
        var vic = await SignUp("vic");
        await SignUp("wes");

        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, "/api/v1/accounts/wes/follow", vic)).StatusCode);

        var wes = await http.GetFromJsonAsync<JsonElement>("/api/v1/accounts/wes");
        Assert.Equal(1, wes.GetProperty("followers_count").GetInt32());
        var followers = await http.GetAsync("/api/v1/accounts/wes/followers");
        Assert.Contains("rel=\"next\"", followers.Headers.GetValues("Link").Single());
        Assert.Equal("vic", (await followers.Content.ReadFromJsonAsync<JsonElement>())[0].GetProperty("username").GetString());
        Assert.Equal("wes", (await http.GetFromJsonAsync<JsonElement>("/api/v1/accounts/vic/following"))[0].GetProperty("username").GetString());

        await Send(HttpMethod.Delete, "/api/v1/accounts/wes/follow", vic);
        Assert.Equal(0, (await http.GetFromJsonAsync<JsonElement>("/api/v1/accounts/wes")).GetProperty("followers_count").GetInt32());
    }

    [Fact]
    public async Task A_blocked_user_cannot_follow_or_see_the_blocker()
    {
        var xena = await SignUp("xena");
        var yuri = await SignUp("yuri");
        await Send(HttpMethod.Post, "/api/v1/accounts/xena/follow", yuri);

        Assert.Equal(HttpStatusCode.OK, (await Send(HttpMethod.Post, "/api/v1/accounts/yuri/block", xena)).StatusCode);

        Assert.Equal(0, (await http.GetFromJsonAsync<JsonElement>("/api/v1/accounts/xena")).GetProperty("followers_count").GetInt32());
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
