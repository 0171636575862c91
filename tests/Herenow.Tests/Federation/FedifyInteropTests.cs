using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Tests.Support;

namespace Herenow.Tests.Federation;

/// <summary>
/// Herenow against a real ActivityPub server — Fedify 2.3.6 on Node 22 — both on loopback, signatures verified on
/// both sides. Fedify's "first knock" decides which signature scheme it sends first, so each test that receives
/// from Fedify runs once per scheme. If the peer cannot be installed or started, these fail and say why.
/// </summary>
public sealed class FedifyInteropTests(FederatedApiHost api) : IClassFixture<FederatedApiHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private readonly HttpClient http = api.Http;

    public static TheoryData<string> Knocks => new() { FedifyPeer.Rfc9421, FedifyPeer.DraftCavage };

    private string Origin => api.Origin.ToString().TrimEnd('/');

    private static string Suffix(string knock) => knock == FedifyPeer.Rfc9421 ? "r" : "c";

    [Theory]
    [MemberData(nameof(Knocks))]
    public async Task Fedify_follows_a_local_user_and_receives_accept_then_checkins_with_place_and_photo_then_delete(string knock)
    {
        var user = "ip_alice_" + Suffix(knock);
        var token = await http.SignUpAsync(user);
        await using var peer = await FedifyPeer.StartAsync(knock);
        var actorUrl = new Uri($"{Origin}/users/{user}");

        // Follow by actor URL → our Accept lands in Fedify's inbox (Fedify verified our signature to accept it).
        var followId = await peer.FollowAsync("fan", actorUrl);
        var accept = await peer.WaitForAsync(e => e.GetProperty("type").GetString() == "Accept", Patience);
        Assert.True(accept is not null, "no Accept reached Fedify.\n" + peer.Output);
        Assert.Equal(1, (await Collection($"/users/{user}/followers")).GetProperty("totalItems").GetInt64());

        // A public check-in with a photo: Fedify's own parser sees the Place and the Image.
        var place = await http.CreatePlaceAsync(token, "Café Fedify", 52.5096, 13.3760);
        var media = await http.UploadPhotoAsync(token, "A flat white on the terrace", 640, 480);
        var created = await http.CallAsync(HttpMethod.Post, "/api/v1/checkins", token, new
        {
            place_id = place, latitude = 52.5097, longitude = 13.3761, accuracy_m = 12.0, shout = "Flat white <3",
            visibility = "public", media_ids = new[] { media },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var checkinId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var noteId = $"{Origin}/users/{user}/checkins/{checkinId}";

        var create = await peer.WaitForAsync(e => e.GetProperty("type").GetString() == "Create" && e.GetProperty("objectId").GetString() == noteId, Patience);
        Assert.True(create is not null, "the Create did not reach Fedify.\n" + peer.Output);
        var parsed = create.Value.GetProperty("object");
        var location = parsed.GetProperty("location");
        Assert.Equal("Place", location.GetProperty("type").GetString());
        Assert.Equal("Café Fedify", location.GetProperty("name").GetString());
        Assert.Equal(52.5097, location.GetProperty("latitude").GetDouble(), 4);
        Assert.Equal(13.3761, location.GetProperty("longitude").GetDouble(), 4);
        var image = parsed.GetProperty("attachments")[0];
        Assert.Equal("Image", image.GetProperty("type").GetString());
        Assert.Equal("image/jpeg", image.GetProperty("mediaType").GetString());
        Assert.Equal("A flat white on the terrace", image.GetProperty("name").GetString());
        Assert.StartsWith(Origin + "/media/", image.GetProperty("url").GetString(), StringComparison.Ordinal);
        Assert.Contains("Flat white &lt;3", parsed.GetProperty("content").GetString(), StringComparison.Ordinal);
        var addressing = create.Value.GetProperty("raw");
        Assert.Contains("https://www.w3.org/ns/activitystreams#Public", addressing.GetProperty("to").EnumerateArray().Select(t => t.GetString()));

        // Followers-only goes to followers too; private never leaves.
        var followersOnly = await http.CheckInAsync(token, place, "followers", "only for followers", 52.5097, 13.3761);
        var secret = await http.CheckInAsync(token, place, "private", "just me", 52.5097, 13.3761);
        var second = await peer.WaitForAsync(e => e.GetProperty("type").GetString() == "Create" && e.GetProperty("objectId").GetString()!.EndsWith(followersOnly, StringComparison.Ordinal), Patience);
        Assert.True(second is not null, "the followers-only Create did not reach Fedify.\n" + peer.Output);
        Assert.DoesNotContain("https://www.w3.org/ns/activitystreams#Public", second.Value.GetProperty("raw").GetRawText(), StringComparison.Ordinal);

        // Delete round-trips as a Tombstone for the same note id.
        Assert.Equal(HttpStatusCode.NoContent, (await http.CallAsync(HttpMethod.Delete, $"/api/v1/checkins/{checkinId}", token)).StatusCode);
        var delete = await peer.WaitForAsync(e => e.GetProperty("type").GetString() == "Delete" && e.GetProperty("objectId").GetString() == noteId, Patience);
        Assert.True(delete is not null, "the Delete did not reach Fedify.\n" + peer.Output);
        Assert.DoesNotContain(await peer.InboxAsync("Create"), e => e.GetProperty("objectId").GetString()!.EndsWith(secret, StringComparison.Ordinal));

        // Undo(Follow) from Fedify removes the follower here.
        await peer.UnfollowAsync("fan", actorUrl, followId);
        await Eventually(async () => (await Collection($"/users/{user}/followers")).GetProperty("totalItems").GetInt64() == 0, "Undo(Follow) did not remove the follower");
        Assert.Equal(0, (await DeliveryQueue()).GetProperty("pending").GetInt64());
    }

    [Theory]
    [MemberData(nameof(Knocks))]
    public async Task A_local_user_follows_a_Fedify_actor_by_handle_and_its_posts_land_in_the_home_feed(string knock)
    {
        var user = "ip_bob_" + Suffix(knock);
        var token = await http.SignUpAsync(user);
        await using var peer = await FedifyPeer.StartAsync(knock);
        var handle = $"poster@127.0.0.1:{peer.Port}";

        var follow = await http.CallAsync(HttpMethod.Post, $"/api/v1/accounts/{handle}/follow", token);
        Assert.Equal(HttpStatusCode.OK, follow.StatusCode);
        await Eventually(async () => (await peer.FollowersAsync("poster")).Contains($"{Origin}/users/{user}"), "Fedify did not record our Follow.\n" + peer.Output);
        // Fedify answered with an Accept: our following collection lists the actor.
        Assert.Contains(peer.ActorUrl("poster").AbsoluteUri, (await Collection($"/users/{user}/following?page=1")).GetProperty("orderedItems").EnumerateArray().Select(a => a.GetString()));

        var (noteId, _) = await peer.CreateNoteAsync("poster", "<p>Hello from <b>Fedify</b></p>", 48.8584, 2.2945, "Tour Eiffel");
        JsonElement? entry = null;
        await Eventually(async () =>
        {
            var feed = await http.GetJsonAsync("/api/v1/feeds/home", token);
            entry = feed.EnumerateArray().Cast<JsonElement?>().FirstOrDefault(c => c!.Value.GetProperty("account").GetProperty("username").GetString() == handle);
            return entry is not null;
        }, "Fedify's Create did not reach the home feed.\n" + peer.Output);
        Assert.Equal("Hello from Fedify", entry!.Value.GetProperty("shout").GetString());
        Assert.Equal("Tour Eiffel", entry.Value.GetProperty("place").GetProperty("name").GetString());
        Assert.Equal(48.8584, entry.Value.GetProperty("latitude").GetDouble(), 4);
        Assert.Equal(peer.ActorUrl("poster").AbsoluteUri, entry.Value.GetProperty("account").GetProperty("url").GetString());

        // A repeated delivery of the same activity changes nothing (idempotent by activity id and object id).
        var localId = entry.Value.GetProperty("id").GetString()!;
        await peer.DeleteNoteAsync("poster", noteId);
        await Eventually(async () => !(await http.GetJsonAsync("/api/v1/feeds/home", token)).Ids().Contains(localId), "Fedify's Delete did not remove the post");
        Assert.Equal(HttpStatusCode.NotFound, (await http.CallAsync(HttpMethod.Get, $"/api/v1/checkins/{localId}", token)).StatusCode);

        // Unfollow sends Undo(Follow).
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Delete, $"/api/v1/accounts/{handle}/follow", token)).StatusCode);
        await Eventually(async () => !(await peer.FollowersAsync("poster")).Contains($"{Origin}/users/{user}"), "Fedify did not see the Undo(Follow).\n" + peer.Output);
    }

    [Fact]
    public async Task Likes_and_undone_likes_from_Fedify_are_counted()
    {
        var token = await http.SignUpAsync("ip_carol");
        await using var peer = await FedifyPeer.StartAsync();
        var place = await http.CreatePlaceAsync(token, "Liked Place");
        var checkin = await http.CheckInAsync(token, place, "public", "like me");
        var note = new Uri($"{Origin}/users/ip_carol/checkins/{checkin}");
        var author = new Uri($"{Origin}/users/ip_carol");

        var likeId = await peer.LikeAsync("liker", note, author);
        await Eventually(async () => (await http.GetJsonAsync($"/api/v1/checkins/{checkin}", null)).GetProperty("likes_count").GetInt32() == 1, "the Like was not counted.\n" + peer.Output);
        await peer.UnlikeAsync("liker", note, author, likeId);
        await Eventually(async () => (await http.GetJsonAsync($"/api/v1/checkins/{checkin}", null)).GetProperty("likes_count").GetInt32() == 0, "the Undo(Like) was not counted.\n" + peer.Output);
    }

    private async Task<JsonElement> Collection(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/activity+json"));
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private Task<JsonElement> DeliveryQueue() => http.GetJsonAsync("/api/v1/federation/queue", null);

    private static Task Eventually(Func<Task<bool>> condition, string failure) =>
        Support.Eventually.True(condition, failure, Patience, TimeSpan.FromMilliseconds(200));
}
