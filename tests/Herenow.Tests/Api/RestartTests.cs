using System.Net;
using System.Text.Json;
using Herenow.Api.Accounts;
using Herenow.Api.Checkins;
using Herenow.Api.Places;
using Herenow.Tests.Support;

namespace Herenow.Tests.Api;

/// <summary>
/// Stop everything — the API and every silo — and start fresh processes on the same database: accounts, sessions,
/// follows, check-ins, likes, histories, home and global feeds and place statistics are all still there.
/// </summary>
public sealed class RestartTests : IAsyncLifetime
{
    private RealCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await RealCluster.StartAsync(silos: 1);

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Everything_acknowledged_survives_a_full_restart()
    {
        string wen, xia, place, kept, secret, gone;
        // Raw JSON: what was answered before the restart is compared with what is answered after it, byte for byte.
        JsonElement homeBefore, globalBefore, placeBefore;
        await using (var api = ApiHost.CreateApi(cluster))
        {
            var http = api.CreateClient();
            wen = await http.SignUpAsync("wen");
            xia = await http.SignUpAsync("xia");
            Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/wen/follow", xia)).StatusCode);
            place = await http.CreatePlaceAsync(wen, "Night Market");
            kept = await http.CheckInAsync(wen, place, "public", "dumplings");
            secret = await http.CheckInAsync(wen, place, "private");
            gone = await http.CheckInAsync(wen, place, "followers");
            Assert.Equal(HttpStatusCode.NoContent, (await http.CallAsync(HttpMethod.Delete, $"/api/v1/checkins/{gone}", wen)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Post, $"/api/v1/checkins/{kept}/like", xia)).StatusCode);

            homeBefore = await WaitFor(http, "/api/v1/feeds/home", xia, feed => feed.Ids().SequenceEqual([kept]));
            globalBefore = await WaitFor(http, "/api/v1/feeds/global", null, feed => feed.Ids().SequenceEqual([kept]));
            placeBefore = await WaitFor(http, $"/api/v1/places/{place}", null, p => p.Deserialize<PlaceResponse>(ApiCalls.Json)!.Stats.CheckinsCount == 1);
        }
        foreach (var silo in cluster.Silos.ToList())
        {
            await cluster.StopSiloAsync(silo);
        }

        await cluster.StartSiloAsync();
        await using (var api = ApiHost.CreateApi(cluster))
        {
            var http = api.CreateClient();
            // The old tokens still work: sessions are durable too.
            var me = await http.GetAsync<MeResponse>("/api/v1/accounts/me", xia);
            Assert.Equal("xia", me.Username);
            Assert.Equal(1, me.FollowingCount);

            Assert.Equal(homeBefore.ToString(), (await http.GetJsonAsync("/api/v1/feeds/home", xia)).ToString());
            Assert.Equal(globalBefore.ToString(), (await http.GetJsonAsync("/api/v1/feeds/global", null)).ToString());
            Assert.Equal(new[] { secret, kept }, (await http.CheckinsAsync("/api/v1/accounts/wen/checkins", wen)).Ids());
            Assert.Equal(new[] { kept }, (await http.CheckinsAsync("/api/v1/accounts/wen/checkins", null)).Ids());
            Assert.Equal(1, (await http.GetAsync<CheckinResponse>($"/api/v1/checkins/{kept}")).LikesCount);
            Assert.Equal(HttpStatusCode.NotFound, (await http.CallAsync(HttpMethod.Get, $"/api/v1/checkins/{gone}", wen)).StatusCode);
            Assert.Equal(placeBefore.ToString(), (await http.GetJsonAsync($"/api/v1/places/{place}", null)).ToString());

            // And the restarted cluster keeps working: a new check-in still reaches the follower.
            var fresh = await http.CheckInAsync(wen, place, "public");
            await WaitFor(http, "/api/v1/feeds/home", xia, feed => feed.Ids().SequenceEqual([fresh, kept]));
        }
    }

    private static Task<JsonElement> WaitFor(HttpClient http, string path, string? token, Func<JsonElement, bool> done) =>
        Eventually.Value(() => http.GetJsonAsync(path, token), done, $"{path} as expected");
}
