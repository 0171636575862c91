using Herenow.Tests.Support;

namespace Herenow.Tests.Api;

/// <summary>
/// Home feeds keep only the newest entries (800 in production; 3 here so the test stays small); paging past them
/// reads the followed accounts' histories, so a client can page back through everything it may see.
/// </summary>
public sealed class HomeFeedDepthTests : IAsyncLifetime
{
    private RealCluster cluster = null!;

    public async Task InitializeAsync() =>
        cluster = await RealCluster.StartAsync(silos: 1, new Dictionary<string, string?> { ["Herenow:Feeds:HomeCapacity"] = "3" });

    public async Task DisposeAsync() => await cluster.DisposeAsync();

    [Fact]
    public async Task Paging_past_the_bounded_feed_continues_from_histories_without_gaps_or_repeats()
    {
        await using var api = ApiHost.CreateApi(cluster);
        var http = api.CreateClient();
        var yan = await http.SignUpAsync("yan");
        var zoe = await http.SignUpAsync("zoe");
        var abe = await http.SignUpAsync("abe");
        await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/zoe/follow", yan);
        await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/abe/follow", yan);
        var place = await http.CreatePlaceAsync(yan, "Harbour");
        var expected = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            expected.Add(await http.CheckInAsync(zoe, place, "followers"));
            expected.Add(await http.CheckInAsync(abe, place, i == 2 ? "private" : "public")); // abe's private one is not for yan
            expected.Add(await http.CheckInAsync(yan, place, "private")); // yan's own private ones are
        }
        var notFollowed = await http.SignUpAsync("stranger");
        await http.CheckInAsync(notFollowed, place, "public");
        expected.RemoveAt(7);
        expected.Reverse();

        // Wait until the bounded feed holds the newest three, then page with limit=2 all the way down.
        await Eventually.Value(() => http.CheckinsAsync("/api/v1/feeds/home?limit=3", yan), feed => feed.Ids().SequenceEqual(expected.Take(3)),
            "yan's home feed starts with the newest three", show: feed => feed.Ids());
        var seen = new List<string>();
        string? maxId = null;
        for (var page = 0; page < 20; page++)
        {
            var ids = (await http.CheckinsAsync(maxId is null ? "/api/v1/feeds/home?limit=2" : $"/api/v1/feeds/home?limit=2&max_id={maxId}", yan)).Ids().ToList();
            if (ids.Count == 0) break;
            seen.AddRange(ids);
            maxId = ids[^1];
        }

        Assert.Equal(expected, seen);
    }
}
