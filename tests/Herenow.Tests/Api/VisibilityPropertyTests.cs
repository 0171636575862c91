using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Tests.Support;

namespace Herenow.Tests.Api;

/// <summary>
/// Property: for random follow/block graphs and random visibilities, every read path shows a viewer exactly the
/// check-ins the visibility model allows — no more, no less. The model is written here independently of the API:
/// the author sees all; someone the author blocks sees nothing; a follower sees public and followers-only;
/// everyone else (anonymous included) sees public.
/// </summary>
public sealed class VisibilityPropertyTests(ApiHost api) : IClassFixture<ApiHost>
{
    private static readonly string[] Visibilities = ["public", "followers", "private"];
    private readonly HttpClient http = api.Http;

    private sealed record Checkin(string Id, string Author, string Visibility, string Place);

    private sealed class Model
    {
        public HashSet<(string Viewer, string Author)> Follows { get; } = [];
        public HashSet<(string Author, string Viewer)> Blocks { get; } = [];

        public bool MaySee(string? viewer, Checkin c) =>
            viewer == c.Author ||
            (!(viewer is not null && Blocks.Contains((c.Author, viewer))) &&
             (c.Visibility == "public" || (c.Visibility == "followers" && viewer is not null && Follows.Contains((viewer, c.Author)))));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Every_read_path_matches_the_visibility_model(int seed)
    {
        var random = new Random(seed);
        var authors = Enumerable.Range(0, 3).Select(i => $"s{seed}_author{i}").ToList();
        var others = Enumerable.Range(0, 3).Select(i => $"s{seed}_viewer{i}").ToList();
        var tokens = new Dictionary<string, string>();
        foreach (var user in authors.Concat(others)) tokens[user] = await http.SignUpAsync(user);

        // A random graph. A block ends follows both ways, and nobody follows across a block.
        var model = new Model();
        foreach (var viewer in authors.Concat(others))
        {
            foreach (var author in authors.Where(a => a != viewer))
            {
                if (random.NextDouble() < 0.6)
                {
                    var follow = await http.CallAsync(HttpMethod.Post, $"/api/v1/accounts/{author}/follow", tokens[viewer]);
                    // Blocked by them: they do not exist for you (404). Blocking them yourself: 403.
                    var expected = model.Blocks.Contains((author, viewer)) ? HttpStatusCode.NotFound
                        : model.Blocks.Contains((viewer, author)) ? HttpStatusCode.Forbidden : HttpStatusCode.OK;
                    Assert.Equal(expected, follow.StatusCode);
                    var acrossBlock = expected != HttpStatusCode.OK;
                    if (!acrossBlock) model.Follows.Add((viewer, author));
                }
                if (random.NextDouble() < 0.25)
                {
                    await http.CallAsync(HttpMethod.Post, $"/api/v1/accounts/{viewer}/block", tokens[author]);
                    model.Blocks.Add((author, viewer));
                    model.Follows.Remove((viewer, author));
                    model.Follows.Remove((author, viewer));
                }
            }
        }

        var places = new[] { await http.CreatePlaceAsync(tokens[authors[0]], $"Place A {seed}"), await http.CreatePlaceAsync(tokens[authors[0]], $"Place B {seed}") };
        var checkins = new List<Checkin>();
        for (var i = 0; i < 9; i++)
        {
            var author = authors[random.Next(authors.Count)];
            var visibility = Visibilities[random.Next(Visibilities.Length)];
            var place = places[random.Next(places.Length)];
            checkins.Add(new Checkin(await http.CheckInAsync(tokens[author], place, visibility), author, visibility, place));
        }
        var newestFirst = Enumerable.Reverse(checkins).ToList();

        foreach (var viewer in authors.Concat(others).Append(null))
        {
            var token = viewer is null ? null : tokens[viewer];
            List<string> Expected(Func<Checkin, bool> where) =>
                newestFirst.Where(c => model.MaySee(viewer, c) && where(c)).Select(c => c.Id).ToList();
            var label = viewer ?? "anonymous";

            foreach (var c in checkins)
            {
                var one = await http.CallAsync(HttpMethod.Get, $"/api/v1/checkins/{c.Id}", token);
                Assert.True((one.StatusCode == HttpStatusCode.OK) == model.MaySee(viewer, c), $"{label} GET {c.Visibility} check-in of {c.Author}: {one.StatusCode}");
            }

            foreach (var author in authors)
            {
                var blocked = viewer is not null && model.Blocks.Contains((author, viewer));
                var account = await http.CallAsync(HttpMethod.Get, $"/api/v1/accounts/{author}", token);
                var history = await http.CallAsync(HttpMethod.Get, $"/api/v1/accounts/{author}/checkins?limit=40", token);
                if (blocked)
                {
                    Assert.Equal(HttpStatusCode.NotFound, account.StatusCode);
                    Assert.Equal(HttpStatusCode.NotFound, history.StatusCode);
                    continue;
                }
                var expected = Expected(c => c.Author == author);
                Assert.Equal(expected, (await history.Content.ReadFromJsonAsync<JsonElement>()).Ids());
                Assert.Equal(expected.Count, (await account.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("checkins_count").GetInt32());
            }

            foreach (var place in places)
            {
                await Eventually(Expected(c => c.Place == place), () => ReadAll($"/api/v1/places/{place}/checkins", token, checkins), $"{label} place feed");
            }
            await Eventually(Expected(c => c.Visibility == "public"), () => ReadAll("/api/v1/feeds/global", token, checkins), $"{label} global feed");
            if (viewer is not null)
            {
                await Eventually(Expected(c => c.Author == viewer || model.Follows.Contains((viewer, c.Author))),
                    () => ReadAll("/api/v1/feeds/home", token, checkins), $"{label} home feed");
            }
        }

        // Counts that name nobody still never include a private check-in.
        foreach (var place in places)
        {
            var stats = (await http.GetJsonAsync($"/api/v1/places/{place}", null)).GetProperty("stats");
            Assert.Equal(checkins.Count(c => c.Place == place && c.Visibility != "private"), stats.GetProperty("checkins_count").GetInt32());
        }
    }

    /// <summary>Pages through a list (max_id) and keeps only this scenario's check-ins, newest first.</summary>
    private async Task<List<string>> ReadAll(string path, string? token, List<Checkin> scenario)
    {
        var ours = scenario.Select(c => c.Id).ToHashSet();
        var seen = new List<string>();
        string? maxId = null;
        for (var page = 0; page < 20; page++)
        {
            var separator = path.Contains('?', StringComparison.Ordinal) ? '&' : '?';
            var response = await http.CallAsync(HttpMethod.Get, maxId is null ? $"{path}{separator}limit=40" : $"{path}{separator}limit=40&max_id={maxId}", token);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            if (!response.Headers.TryGetValues("Link", out var link)) break;
            seen.AddRange((await response.Content.ReadFromJsonAsync<JsonElement>()).Ids());
            maxId = System.Text.RegularExpressions.Regex.Match(link.Single(), "max_id=([^&>]+)").Groups[1].Value;
        }
        return seen.Where(ours.Contains).ToList();
    }

    /// <summary>Feeds and places are filled after the 201; poll for a bounded time, then compare.</summary>
    private static async Task Eventually(List<string> expected, Func<Task<List<string>>> read, string what)
    {
        var actual = await read();
        for (var i = 0; i < 60 && !actual.SequenceEqual(expected); i++)
        {
            await Task.Delay(50);
            actual = await read();
        }
        Assert.True(expected.SequenceEqual(actual), $"{what}: expected [{string.Join(", ", expected)}] but saw [{string.Join(", ", actual)}]");
    }
}
