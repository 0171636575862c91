using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Grains.Feeds;
using Herenow.Api.Checkins;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Api;

/// <summary>Live updates over Server-Sent Events through the real API, silo and PostgreSQL.</summary>
public sealed class StreamingApiTests(ApiHost api) : IClassFixture<ApiHost>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly HttpClient http = api.Http;

    private async Task<string> Place() => await http.CreatePlaceAsync(await http.SignUpAsync("place_maker"), "Späti");

    private async Task<string> Post(string token, string place, string visibility)
    {
        var created = await http.CallAsync(HttpMethod.Post, "/api/v1/checkins", token,
            new { place_id = place, latitude = 52.5201, longitude = 13.4051, shout = visibility, visibility });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        return (await created.ReadAsync<CheckinResponse>()).Id;
    }

    /// <summary>Opens a stream and checks that it is one: 200, SSE headers and the initial comment.</summary>
    private async Task<SseClient> Connect(string path, string? token, CancellationToken cancel, string? lastEventId = null)
    {
        var sse = await SseClient.OpenAsync(http, path, token, cancel, lastEventId);
        Assert.Equal(HttpStatusCode.OK, sse.Response.StatusCode);
        Assert.Equal("text/event-stream", sse.Response.Content.Headers.ContentType?.MediaType);
        Assert.True(sse.Response.Headers.CacheControl?.NoCache);
        Assert.Equal("no", sse.Response.Headers.GetValues("X-Accel-Buffering").Single());
        Assert.Equal("connected", (await sse.NextAsync(cancel)).Comment);
        return sse;
    }

    [Fact]
    public async Task Home_stream_sends_a_followees_public_checkin_as_the_api_shows_it_and_not_a_private_one()
    {
        using var timeout = new CancellationTokenSource(Wait);
        var ana = await http.SignUpAsync("ana");
        var ben = await http.SignUpAsync("ben");
        await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/ana/follow", ben);
        var place = await Place();
        await using var stream = await Connect("/api/v1/streaming/home", ben, timeout.Token);

        var secret = await Post(ana, place, "private");
        var open = await Post(ana, place, "public");

        // Posted in this order, so a leaked private check-in would arrive first.
        var message = await stream.NextEventAsync(timeout.Token);
        Assert.Equal("checkin", message.Event);
        Assert.Equal(open, message.Id);
        Assert.NotEqual(secret, message.Id);
        // Contract test: the event carries the very JSON a GET answers, so raw JSON.
        var shown = await (await http.CallAsync(HttpMethod.Get, $"/api/v1/checkins/{open}", ben)).Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(JsonElement.DeepEquals(shown, JsonDocument.Parse(message.Data!).RootElement));
    }

    [Fact]
    public async Task Home_stream_shows_the_author_their_own_private_checkin()
    {
        using var timeout = new CancellationTokenSource(Wait);
        var cid = await http.SignUpAsync("cid");
        await using var stream = await Connect("/api/v1/streaming/home", cid, timeout.Token);

        var secret = await Post(cid, await Place(), "private");

        Assert.Equal(secret, (await stream.NextEventAsync(timeout.Token)).Id);
    }

    [Fact]
    public async Task Home_stream_without_a_token_is_a_401_problem()
    {
        await ProblemAssert.IsProblem(await http.GetAsync("/api/v1/streaming/home"), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Global_stream_sends_public_checkins_to_anonymous_clients_and_never_followers_only_ones()
    {
        using var timeout = new CancellationTokenSource(Wait);
        var dee = await http.SignUpAsync("dee");
        var place = await Place();
        await using var stream = await Connect("/api/v1/streaming/global", null, timeout.Token);

        var followersOnly = await Post(dee, place, "followers");
        var open = await Post(dee, place, "public");

        var message = await stream.NextEventAsync(timeout.Token);
        Assert.Equal(("checkin", open), (message.Event, message.Id));
        Assert.NotEqual(followersOnly, message.Id);
    }

    [Fact]
    public async Task Global_stream_hides_the_checkins_of_someone_who_blocked_the_viewer()
    {
        using var timeout = new CancellationTokenSource(Wait);
        var eve = await http.SignUpAsync("eve");
        var fin = await http.SignUpAsync("fin");
        var gia = await http.SignUpAsync("gia");
        await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/fin/block", eve);
        var place = await Place();
        await using var stream = await Connect("/api/v1/streaming/global", fin, timeout.Token);

        var blocked = await Post(eve, place, "public");
        var visible = await Post(gia, place, "public");

        // The blocker's check-in does reach the global stream; only the send-time filter keeps it from fin.
        var message = await stream.NextEventAsync(timeout.Token);
        Assert.Equal(visible, message.Id);
        Assert.NotEqual(blocked, message.Id);
    }

    [Fact]
    public async Task Delete_event_follows_the_deletion_of_a_checkin()
    {
        using var timeout = new CancellationTokenSource(Wait);
        var hal = await http.SignUpAsync("hal");
        var ida = await http.SignUpAsync("ida");
        await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/hal/follow", ida);
        await using var stream = await Connect("/api/v1/streaming/home", ida, timeout.Token);
        var id = await Post(hal, await Place(), "public");
        Assert.Equal(id, (await stream.NextEventAsync(timeout.Token)).Id);

        Assert.Equal(HttpStatusCode.NoContent, (await http.CallAsync(HttpMethod.Delete, $"/api/v1/checkins/{id}", hal)).StatusCode);

        var message = await stream.NextEventAsync(timeout.Token);
        Assert.Equal(("delete", id, null), (message.Event, message.Data, message.Id));
    }

    [Fact]
    public async Task Idle_stream_sends_heartbeats()
    {
        using var timeout = new CancellationTokenSource(Wait);
        await using var stream = await Connect("/api/v1/streaming/global", null, timeout.Token);

        Assert.Equal("heartbeat", (await stream.NextAsync(timeout.Token)).Comment);
    }

    [Fact]
    public async Task Reconnecting_with_Last_Event_ID_replays_what_came_after_it()
    {
        using var timeout = new CancellationTokenSource(Wait);
        var jo = await http.SignUpAsync("jo");
        var kai = await http.SignUpAsync("kai");
        await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/jo/follow", kai);
        var place = await Place();
        var first = await Post(jo, place, "public");
        var second = await Post(jo, place, "public");
        var third = await Post(jo, place, "public");
        await Eventually.True(async () => (await http.CheckinsAsync("/api/v1/feeds/home", kai)).Ids().Contains(third),
            "kai's home feed holds the third check-in", Wait, cancel: timeout.Token);

        await using var stream = await Connect("/api/v1/streaming/home", kai, timeout.Token, lastEventId: first);

        Assert.Equal(second, (await stream.NextEventAsync(timeout.Token)).Id);
        Assert.Equal(third, (await stream.NextEventAsync(timeout.Token)).Id);
    }

    [Fact]
    public async Task Malformed_Last_Event_ID_is_a_422_problem()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/streaming/global");
        request.Headers.Add("Last-Event-ID", "not-an-id");

        await ProblemAssert.IsProblem(await http.SendAsync(request), HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Closing_the_stream_removes_its_watcher_and_publishing_goes_on()
    {
        using var timeout = new CancellationTokenSource(Wait);
        var lea = await http.SignUpAsync("lea");
        var max = await http.SignUpAsync("max");
        await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/lea/follow", max);
        var home = api.Services.GetRequiredService<IClusterClient>().GetGrain<IFeedGrain>("max");

        var stream = await Connect("/api/v1/streaming/home", max, timeout.Token);
        Assert.Equal(1, await home.WatcherCount());
        await stream.DisposeAsync();

        await Eventually.True(async () => await home.WatcherCount() == 0, "max's home feed has no watcher", Wait, cancel: timeout.Token);
        var id = await Post(lea, await Place(), "public");
        await Eventually.True(async () => (await http.CheckinsAsync("/api/v1/feeds/home", max)).Ids().Contains(id),
            "max's home feed holds the new check-in", Wait, cancel: timeout.Token);
    }
}
