using System.Net;
using Herenow.Api.Checkins;
using Herenow.Api.Places;
using Herenow.Tests.Support;

namespace Herenow.Tests.Security;

/// <summary>
/// Post later (the "check out" idea): a held check-in is acknowledged and durable at once, but nobody else — feeds,
/// the place, the global feed, a direct read — learns of it until its delay passes or its author checks in again.
/// </summary>
public sealed class PostLaterTests(ApiHost api) : IClassFixture<ApiHost>
{
    private readonly HttpClient http = api.Http;

    private async Task<CheckinResponse> Post(string token, string place, object extra)
    {
        var body = new Dictionary<string, object?> { ["place_id"] = place, ["latitude"] = 52.52, ["longitude"] = 13.405, ["visibility"] = "public" };
        foreach (var property in extra.GetType().GetProperties())
        {
            body[property.Name] = property.GetValue(extra);
        }
        var response = await http.CallAsync(HttpMethod.Post, "/api/v1/checkins", token, body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<CheckinResponse>();
    }

    private async Task<bool> InHome(string token, string id) => (await http.CheckinsAsync("/api/v1/feeds/home", token)).Ids().Contains(id);

    [Fact]
    public async Task A_checkin_held_until_the_next_one_is_hidden_from_everyone_else_until_then()
    {
        var alice = await http.SignUpAsync("later_alice");
        var bob = await http.SignUpAsync("later_bob");
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/later_alice/follow", bob)).StatusCode);
        var place = await http.CreatePlaceAsync(alice, "Hidden Bar");

        var held = await Post(alice, place, new { shout = "here, quietly", publish_on_next_checkin = true });
        var id = held.Id;
        Assert.False(held.Published);
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Get, $"/api/v1/checkins/{id}", alice)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.CallAsync(HttpMethod.Get, $"/api/v1/checkins/{id}", bob)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.CallAsync(HttpMethod.Get, $"/api/v1/checkins/{id}", null)).StatusCode);
        Assert.DoesNotContain(id, (await http.CheckinsAsync("/api/v1/accounts/later_alice/checkins", bob)).Ids());

        // A normal check-in is a marker: once it reached Bob's feed, the held one would have too if it had been sent.
        var marker = (await Post(alice, place, new { shout = "elsewhere" })).Id;
        await Eventually.True(() => InHome(bob, marker), "the marker reached the follower", Patience, Every);
        // ...but that check-in was also the "next" one: now the held one goes out.
        await Eventually.True(() => InHome(bob, id), "the released check-in reached the follower", Patience, Every);
        Assert.True((await http.GetAsync<CheckinResponse>($"/api/v1/checkins/{id}")).Published);
        await Eventually.Value(async () => (await http.GetAsync<PlaceResponse>($"/api/v1/places/{place}")).Stats.CheckinsCount, count => count == 2,
            "the place counts both check-ins", Patience, Every);
    }

    [Fact]
    public async Task A_checkin_held_for_a_delay_goes_out_when_it_passes()
    {
        var carol = await http.SignUpAsync("later_carol");
        var dave = await http.SignUpAsync("later_dave");
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/later_carol/follow", dave)).StatusCode);
        var place = await http.CreatePlaceAsync(carol, "Delayed Café");

        var held = await Post(carol, place, new { publish_after_seconds = 10 });
        var id = held.Id;
        Assert.False(held.Published);
        Assert.True(held.PublishAt > DateTimeOffset.UtcNow.AddSeconds(5));
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.False(await InHome(dave, id));
        Assert.Equal(0, (await http.GetAsync<PlaceResponse>($"/api/v1/places/{place}")).Stats.HereNowCount);

        await Eventually.True(() => InHome(dave, id), "the delayed check-in reached the follower", TimeSpan.FromSeconds(40), Every);
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Get, $"/api/v1/checkins/{id}", null)).StatusCode);
    }

    [Fact]
    public async Task Hold_options_are_validated()
    {
        var erin = await http.SignUpAsync("later_erin");
        var place = await http.CreatePlaceAsync(erin, "Anywhere");
        var body = new { place_id = place, latitude = 52.52, longitude = 13.405, publish_after_seconds = 5 };
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Post, "/api/v1/checkins", erin, body), HttpStatusCode.UnprocessableEntity);
        var both = new { place_id = place, latitude = 52.52, longitude = 13.405, publish_after_seconds = 60, publish_on_next_checkin = true };
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Post, "/api/v1/checkins", erin, both), HttpStatusCode.UnprocessableEntity);
        Assert.Empty(await http.CheckinsAsync("/api/v1/accounts/later_erin/checkins", erin));
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);
}
