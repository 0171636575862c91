using System.Net;
using Herenow.Api.Accounts;
using Herenow.Api.Checkins;
using Herenow.Tests.Support;

namespace Herenow.Tests.Api;

/// <summary>The check-in path through the real API: place, check-in, visibility on reads, feeds and history.</summary>
public sealed class CheckinApiTests(ApiHost api) : IClassFixture<ApiHost>
{
    private readonly HttpClient http = api.Http;

    private async Task<string> Place()
    {
        return await http.CreatePlaceAsync(await http.SignUpAsync("place_maker"), "Kaffee Bar");
    }

    private Task<List<CheckinResponse>> WaitForHome(string token, string id) =>
        Eventually.Value(() => http.CheckinsAsync("/api/v1/feeds/home", token), feed => feed.Ids().Contains(id),
            $"the home feed holds {id}", TimeSpan.FromSeconds(3));

    [Fact]
    public async Task Checkin_is_201_readable_by_id_and_reaches_a_followers_home_feed()
    {
        var ana = await http.SignUpAsync("ana");
        var ben = await http.SignUpAsync("ben");
        await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/ana/follow", ben);
        var place = await Place();

        var created = await http.CallAsync(HttpMethod.Post, "/api/v1/checkins", ana,
            new { place_id = place, latitude = 52.5201, longitude = 13.4051, shout = "coffee", visibility = "public" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var checkin = await created.ReadAsync<CheckinResponse>();
        Assert.Equal("ana", checkin.Account.Username);
        Assert.Equal("Kaffee Bar", checkin.Place?.Name);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/v1/checkins/{checkin.Id}")).StatusCode);
        Assert.Contains(await WaitForHome(ben, checkin.Id), c => c.Id == checkin.Id);
    }

    [Fact]
    public async Task Checkin_farther_than_a_kilometre_plus_accuracy_is_422_and_nothing_is_stored()
    {
        var cleo = await http.SignUpAsync("cleo");
        var place = await Place();

        var far = await http.CallAsync(HttpMethod.Post, "/api/v1/checkins", cleo, new { place_id = place, latitude = 52.54, longitude = 13.4050 });
        var unknown = await http.CallAsync(HttpMethod.Post, "/api/v1/checkins", cleo, new { place_id = "nope", latitude = 52.52, longitude = 13.405 });

        await ProblemAssert.IsProblem(far, HttpStatusCode.UnprocessableEntity);
        await ProblemAssert.IsProblem(unknown, HttpStatusCode.UnprocessableEntity);
        Assert.Empty(await http.CheckinsAsync("/api/v1/accounts/cleo/checkins", cleo));
    }

    [Fact]
    public async Task Followers_only_and_private_checkins_are_404_to_those_who_may_not_see_them()
    {
        var dora = await http.SignUpAsync("dora");
        var eli = await http.SignUpAsync("eli");
        await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/dora/follow", eli);
        var place = await Place();
        async Task<string> Post(string visibility) =>
            (await http.PostCheckinAsync(dora, new { place_id = place, latitude = 52.52, longitude = 13.405, visibility })).Id;
        var followersOnly = await Post("followers");
        var secret = await Post("private");

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/v1/checkins/{followersOnly}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Get, $"/api/v1/checkins/{followersOnly}", eli)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.CallAsync(HttpMethod.Get, $"/api/v1/checkins/{secret}", eli)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Get, $"/api/v1/checkins/{secret}", dora)).StatusCode);
        Assert.Empty(await http.CheckinsAsync("/api/v1/accounts/dora/checkins", null));
        Assert.Equal(0, (await http.GetAsync<AccountResponse>("/api/v1/accounts/dora")).CheckinsCount);
    }

    [Fact]
    public async Task Only_the_author_deletes_and_likes_count_once_per_user()
    {
        var fay = await http.SignUpAsync("fay");
        var gus = await http.SignUpAsync("gus");
        var place = await Place();
        var id = (await http.PostCheckinAsync(fay, new { place_id = place, latitude = 52.52, longitude = 13.405 })).Id;

        await http.CallAsync(HttpMethod.Post, $"/api/v1/checkins/{id}/like", gus);
        var liked = await http.CallAsync<CheckinResponse>(HttpMethod.Post, $"/api/v1/checkins/{id}/like", gus);
        Assert.Equal(1, liked.LikesCount);

        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Delete, $"/api/v1/checkins/{id}", gus), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.NoContent, (await http.CallAsync(HttpMethod.Delete, $"/api/v1/checkins/{id}", fay)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/api/v1/checkins/{id}")).StatusCode);
    }
}
