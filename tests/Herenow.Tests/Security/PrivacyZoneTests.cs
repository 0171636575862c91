using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herenow.Api.Accounts;
using Herenow.Api.Checkins;
using Herenow.Api.Places;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Federation.Atproto;
using Herenow.Tests.Support;

namespace Herenow.Tests.Security;

/// <summary>
/// Privacy zones through the real API: a check-in made inside one shows no place or coordinates to anyone but its
/// author, counts in no place's public stats, and renders for the fediverse and Bluesky without location.
/// </summary>
public sealed class PrivacyZoneTests(ApiHost api) : IClassFixture<ApiHost>
{
    private readonly HttpClient http = api.Http;

    private static object Zone(double radius = 300) => new { name = "home", latitude = 52.5200, longitude = 13.4050, radius_m = radius };

    [Fact]
    public async Task A_checkin_inside_a_zone_hides_place_and_coordinates_from_everyone_but_its_author()
    {
        var alice = await http.SignUpAsync("pz_alice");
        var bob = await http.SignUpAsync("pz_bob");
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/pz_alice/follow", bob)).StatusCode);
        var set = await http.CallAsync(HttpMethod.Patch, "/api/v1/accounts/me", alice, new { privacy_zones = new[] { Zone() } });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var zones = (await http.GetAsync<MeResponse>("/api/v1/accounts/me", alice)).Settings.PrivacyZones;
        Assert.Equal(300, zones[0].RadiusM);
        // Contract test (here and below): nothing of a zone in the raw JSON others get, so raw JSON.
        Assert.DoesNotContain("privacy_zones", (await http.GetJsonAsync("/api/v1/accounts/pz_alice", bob)).GetRawText(), StringComparison.Ordinal);

        var home = await http.CreatePlaceAsync(alice, "Alice's street", 52.5205, 13.4052);
        var inside = await http.CheckInAsync(alice, home, "public", "home again", 52.5205, 13.4052);
        var far = await http.CreatePlaceAsync(alice, "Museum", 52.5169, 13.4019 - 0.05);
        var outside = await http.CheckInAsync(alice, far, "public", "art", 52.5169, 13.3519);

        // The author sees everything; the follower, a stranger and the global feed see no place and no coordinates.
        var own = await http.GetAsync<CheckinResponse>($"/api/v1/checkins/{inside}", alice);
        Assert.Equal(52.5205, own.Latitude!.Value, 4);
        Assert.True(own.InPrivacyZone);
        foreach (var viewer in new[] { bob, null })
        {
            var seen = await http.GetJsonAsync($"/api/v1/checkins/{inside}", viewer);
            Assert.True(seen.GetProperty("in_privacy_zone").GetBoolean());
            Assert.Equal(JsonValueKind.Null, seen.GetProperty("place").ValueKind);
            Assert.Equal(JsonValueKind.Null, seen.GetProperty("latitude").ValueKind);
            Assert.Equal(JsonValueKind.Null, seen.GetProperty("longitude").ValueKind);
            Assert.Equal("home again", seen.GetProperty("shout").GetString());
        }
        var visible = await http.GetAsync<CheckinResponse>($"/api/v1/checkins/{outside}");
        Assert.False(visible.InPrivacyZone);
        Assert.Equal("Museum", visible.Place?.Name);

        var global = await Eventually.Value(() => http.GetJsonAsync("/api/v1/feeds/global?limit=40", null),
            feed => feed.Ids().Contains(inside) && feed.Ids().Contains(outside), "the global feed holds both check-ins", Patience, Every);
        var inGlobal = global.EnumerateArray().Single(c => c.GetProperty("id").GetString() == inside);
        Assert.Equal(JsonValueKind.Null, inGlobal.GetProperty("latitude").ValueKind);
        Assert.DoesNotContain("Alice's street", global.GetRawText(), StringComparison.Ordinal);

        // The place learns nothing of it: no check-in, no visitor, nobody here now, nothing in its feed.
        await Eventually.Value(async () => (await http.GetAsync<PlaceResponse>($"/api/v1/places/{far}")).Stats.CheckinsCount, count => count == 1,
            "the museum counts the check-in outside the zone", Patience, Every);
        var place = await http.GetAsync<PlaceResponse>($"/api/v1/places/{home}");
        Assert.Equal(0, place.Stats.CheckinsCount);
        Assert.Equal(0, place.Stats.HereNowCount);
        Assert.Empty(await http.CheckinsAsync($"/api/v1/places/{home}/checkins", null));
    }

    [Fact]
    public async Task Zones_are_validated()
    {
        var carol = await http.SignUpAsync("pz_carol");
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Patch, "/api/v1/accounts/me", carol, new { privacy_zones = new[] { Zone(radius: 10) } }), HttpStatusCode.UnprocessableEntity);
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Patch, "/api/v1/accounts/me", carol,
            new { privacy_zones = Enumerable.Range(0, 11).Select(_ => Zone()).ToArray() }), HttpStatusCode.UnprocessableEntity);
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Patch, "/api/v1/accounts/me", carol,
            new { privacy_zones = new[] { new { latitude = 91.0, longitude = 0.0, radius_m = 100.0 } } }), HttpStatusCode.UnprocessableEntity);
        Assert.Empty((await http.GetAsync<MeResponse>("/api/v1/accounts/me", carol)).Settings.PrivacyZones);
        // An empty list removes every zone.
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Patch, "/api/v1/accounts/me", carol, new { privacy_zones = new[] { Zone() } })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Patch, "/api/v1/accounts/me", carol, new { privacy_zones = Array.Empty<object>() })).StatusCode);
        Assert.Empty((await http.GetAsync<MeResponse>("/api/v1/accounts/me", carol)).Settings.PrivacyZones);
    }

    [Fact]
    public void Federated_renderings_of_a_zone_checkin_carry_no_location_no_place_name_and_no_location_record()
    {
        var at = DateTimeOffset.UtcNow;
        var record = new CheckinRecord(TimeOrderedId.New(at), "alice", new PlaceSnapshot("p", "Alice's street 5", 52.5205, 13.4052, null),
            52.5205, 13.4052, 5, "home", Visibility.Public, [], at, 0, InPrivacyZone: true);
        var urls = new ApUrls(new Uri("https://herenow.example"));
        var note = new ActivityRenderer(urls, k => k).Note(record);
        Assert.False(note.ContainsKey("location"));
        Assert.DoesNotContain("Alice's street", note.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("52.52", note.ToJsonString(), StringComparison.Ordinal);

        var post = new AtprotoRecords(urls).Post(record, [], null);
        Assert.False(post.ContainsKey("embed"));
        Assert.DoesNotContain("Alice's street", post.ToJsonString(), StringComparison.Ordinal);
        Assert.StartsWith("📍 a private place", post["text"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);
}
