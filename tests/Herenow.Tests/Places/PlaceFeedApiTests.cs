using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Api.Checkins;
using Herenow.Api.Places;
using Herenow.Tests.Support;

namespace Herenow.Tests.Places;

/// <summary>GET /places/{id}/checkins and the mayor, through the real API: what each viewer may see.</summary>
public sealed class PlaceFeedApiTests(ApiHost api) : IClassFixture<ApiHost>
{
    private readonly HttpClient http = api.Http;

    /// <summary>The place learns of check-ins after the 201 (fan-out); wait until it lists what the author sees.</summary>
    private Task<List<CheckinResponse>> WaitForPlaceFeed(string place, string token, int count) =>
        Eventually.Value(() => http.CheckinsAsync($"/api/v1/places/{place}/checkins", token), feed => feed.Count >= count,
            $"the place feed lists {count} check-ins", show: feed => feed.Ids());

    [Fact]
    public async Task Place_feed_shows_each_viewer_only_what_they_may_see_newest_first()
    {
        var pia = await http.SignUpAsync("pia");
        var quinn = await http.SignUpAsync("quinn");
        var rob = await http.SignUpAsync("rob");
        await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/pia/follow", quinn);
        var place = await http.CreatePlaceAsync(pia, "Pier 7");
        var first = await http.CheckInAsync(pia, place, "public");
        var friends = await http.CheckInAsync(pia, place, "followers");
        var secret = await http.CheckInAsync(pia, place, "private");
        var last = await http.CheckInAsync(pia, place, "public");

        Assert.Equal(new[] { last, secret, friends, first }, (await WaitForPlaceFeed(place, pia, 4)).Ids());
        Assert.Equal(new[] { last, friends, first }, (await http.CheckinsAsync($"/api/v1/places/{place}/checkins", quinn)).Ids());
        Assert.Equal(new[] { last, first }, (await http.CheckinsAsync($"/api/v1/places/{place}/checkins", rob)).Ids());
        Assert.Equal(new[] { last, first }, (await http.CheckinsAsync($"/api/v1/places/{place}/checkins", null)).Ids());
    }

    [Fact]
    public async Task Place_feed_pages_with_link_headers_and_ids()
    {
        var sam = await http.SignUpAsync("sam");
        var place = await http.CreatePlaceAsync(sam, "Bakery");
        var ids = new List<string>();
        for (var i = 0; i < 3; i++) ids.Add(await http.CheckInAsync(sam, place, "public"));
        await WaitForPlaceFeed(place, sam, 3);

        var page = await http.CallAsync(HttpMethod.Get, $"/api/v1/places/{place}/checkins?limit=2", null);
        var body = await page.ReadAsync<List<CheckinResponse>>();
        Assert.Equal(new[] { ids[2], ids[1] }, body.Ids());
        var link = page.Headers.GetValues("Link").Single();
        Assert.Contains($"max_id={ids[1]}", link, StringComparison.Ordinal);
        Assert.Contains($"min_id={ids[2]}", link, StringComparison.Ordinal);

        Assert.Equal(new[] { ids[0] }, (await http.CheckinsAsync($"/api/v1/places/{place}/checkins?max_id={ids[1]}", null)).Ids());
        Assert.Equal(new[] { ids[2] }, (await http.CheckinsAsync($"/api/v1/places/{place}/checkins?since_id={ids[1]}", null)).Ids());
        Assert.Equal(new[] { ids[1] }, (await http.CheckinsAsync($"/api/v1/places/{place}/checkins?min_id={ids[0]}&limit=1", null)).Ids());
    }

    [Fact]
    public async Task Place_feed_of_an_unknown_place_is_404_and_a_bad_limit_is_422()
    {
        await ProblemAssert.IsProblem(await http.GetAsync("/api/v1/places/no-such-place/checkins"), HttpStatusCode.NotFound);
        var tia = await http.SignUpAsync("tia");
        var place = await http.CreatePlaceAsync(tia, "Kiosk");
        await ProblemAssert.IsProblem(await http.GetAsync($"/api/v1/places/{place}/checkins?limit=zero"), HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Creating_a_place_needs_a_token()
    {
        var response = await http.CallAsync(HttpMethod.Post, "/api/v1/places", null, new { name = "Nowhere", latitude = 1.0, longitude = 1.0 });

        await ProblemAssert.IsProblem(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Mayor_is_a_full_account_hidden_from_those_the_mayor_blocks()
    {
        var uma = await http.SignUpAsync("uma");
        var vic = await http.SignUpAsync("vic");
        var place = await http.CreatePlaceAsync(uma, "Town Square");
        await http.CheckInAsync(uma, place, "public");
        await WaitForPlaceFeed(place, uma, 1);

        // Contract test: the mayor is a whole account object (these field names), so raw JSON.
        var mayor = (await http.GetJsonAsync($"/api/v1/places/{place}", null)).GetProperty("mayor");
        Assert.Equal("uma", mayor.GetProperty("username").GetString());
        foreach (var field in new[] { "id", "display_name", "note", "created_at", "followers_count", "following_count" })
        {
            Assert.True(mayor.TryGetProperty(field, out _), $"mayor has no {field}");
        }
        Assert.Equal(1, mayor.GetProperty("checkins_count").GetInt32());

        await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/vic/block", uma);

        Assert.Null((await http.GetAsync<PlaceResponse>($"/api/v1/places/{place}", vic)).Mayor);
        Assert.Empty(await http.CheckinsAsync($"/api/v1/places/{place}/checkins", vic));
        Assert.Equal("uma", (await http.GetAsync<PlaceResponse>($"/api/v1/places/{place}")).Mayor?.Username);
    }
}
