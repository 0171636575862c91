using System.Net.Http.Headers;
using System.Text.Json;
using Herenow.Tests.Support;

namespace Herenow.Tests.Federation;

/// <summary>
/// The Fedify test peer itself (tests/peers/fedify): it serves real actors and WebFinger on loopback over http, two
/// instances federate with each other with signature verification on (one signing RFC 9421 first, the other
/// draft-cavage first), and its control API sends and reports what the interop tests need.
/// </summary>
public sealed class FedifyPeerTests
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(30);

    private static async Task<JsonElement> GetJsonAsync(Uri url, string accept)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url} answered {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    [Theory]
    [InlineData(FedifyPeer.Rfc9421)]
    [InlineData(FedifyPeer.DraftCavage)]
    public async Task Serves_a_person_with_an_inbox_and_a_public_key(string firstKnock)
    {
        await using var peer = await FedifyPeer.StartAsync(firstKnock);
        var actorUrl = peer.ActorUrl("alice");

        var actor = await GetJsonAsync(actorUrl, "application/activity+json");

        Assert.Equal("Person", actor.GetProperty("type").GetString());
        Assert.Equal(actorUrl.AbsoluteUri, actor.GetProperty("id").GetString());
        Assert.Equal("alice", actor.GetProperty("preferredUsername").GetString());
        Assert.Equal(peer.InboxUrl("alice").AbsoluteUri, actor.GetProperty("inbox").GetString());
        Assert.Equal(peer.SharedInboxUrl.AbsoluteUri, actor.GetProperty("endpoints").GetProperty("sharedInbox").GetString());
        var key = actor.GetProperty("publicKey");
        Assert.Equal(actorUrl.AbsoluteUri, key.GetProperty("owner").GetString());
        Assert.StartsWith(actorUrl.AbsoluteUri + "#", key.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", key.GetProperty("publicKeyPem").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WebFinger_resolves_an_acct_with_the_loopback_host_and_port_to_the_actor()
    {
        await using var peer = await FedifyPeer.StartAsync();
        var acct = $"acct:alice@127.0.0.1:{peer.Port}";

        var jrd = await GetJsonAsync(new Uri(peer.Origin, $"/.well-known/webfinger?resource={Uri.EscapeDataString(acct)}"), "application/jrd+json");

        Assert.Equal(acct, jrd.GetProperty("subject").GetString());
        var self = jrd.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "self");
        Assert.Equal("application/activity+json", self.GetProperty("type").GetString());
        Assert.Equal(peer.ActorUrl("alice").AbsoluteUri, self.GetProperty("href").GetString());
    }

    [Fact]
    public async Task Two_peers_follow_accept_and_deliver_a_note_with_its_place_through_verified_signatures()
    {
        await using var a = await FedifyPeer.StartAsync(FedifyPeer.Rfc9421);
        await using var b = await FedifyPeer.StartAsync(FedifyPeer.DraftCavage);
        var alice = a.ActorUrl("alice");
        var bob = b.ActorUrl("bob");

        var followId = await a.FollowAsync("alice", bob);

        var follow = await b.WaitForAsync(e => e.GetProperty("type").GetString() == "Follow" && e.GetProperty("id").GetString() == followId, Delivery);
        Assert.True(follow.HasValue, $"B never logged the Follow.\nA:\n{a.Output}\nB:\n{b.Output}");
        Assert.Equal(alice.AbsoluteUri, follow.Value.GetProperty("actor").GetString());
        Assert.Equal("bob", follow.Value.GetProperty("recipient").GetString());
        Assert.Equal("rfc9421", follow.Value.GetProperty("signature").GetProperty("scheme").GetString());

        var accept = await a.WaitForAsync(e => e.GetProperty("type").GetString() == "Accept", Delivery);
        Assert.True(accept.HasValue, $"A never logged the Accept.\nA:\n{a.Output}\nB:\n{b.Output}");
        Assert.Equal(bob.AbsoluteUri, accept.Value.GetProperty("actor").GetString());
        Assert.Equal("draft-cavage", accept.Value.GetProperty("signature").GetProperty("scheme").GetString());
        Assert.Equal([alice.AbsoluteUri], await b.FollowersAsync("bob"));

        var photo = new FedifyPeer.Attachment(new Uri(b.Origin, "/media/coffee.jpg"), "image/jpeg", "A flat white", 1280, 960);
        var (noteId, activityId) = await b.CreateNoteAsync(
            "bob", "<p>Coffee at Alexanderplatz</p>", 52.5219184, 13.411026, "Alexanderplatz", attachments: [photo]);

        var create = await a.WaitForAsync(e => e.GetProperty("id").GetString() == activityId, Delivery);
        Assert.True(create.HasValue, $"A never logged the Create.\nA:\n{a.Output}\nB:\n{b.Output}");
        var note = create.Value.GetProperty("object");
        Assert.Equal("Note", note.GetProperty("type").GetString());
        Assert.Equal(noteId, note.GetProperty("id").GetString());
        var place = note.GetProperty("location");
        Assert.Equal("Place", place.GetProperty("type").GetString());
        Assert.Equal("Alexanderplatz", place.GetProperty("name").GetString());
        Assert.Equal(52.5219184, place.GetProperty("latitude").GetDouble());
        Assert.Equal(13.411026, place.GetProperty("longitude").GetDouble());
        var image = Assert.Single(note.GetProperty("attachments").EnumerateArray());
        Assert.Equal("Image", image.GetProperty("type").GetString());
        Assert.Equal(photo.Url.AbsoluteUri, image.GetProperty("url").GetString());
        Assert.Equal("image/jpeg", image.GetProperty("mediaType").GetString());
        Assert.Equal("A flat white", image.GetProperty("name").GetString());
        Assert.Equal(1280, image.GetProperty("width").GetInt32());
        Assert.Equal(960, image.GetProperty("height").GetInt32());

        // The note is dereferenceable at its id.
        var fetched = await GetJsonAsync(new Uri(noteId), "application/activity+json");
        Assert.Equal("Note", fetched.GetProperty("type").GetString());

        var unfollowId = await a.UnfollowAsync("alice", bob, followId);
        var undo = await b.WaitForAsync(e => e.GetProperty("id").GetString() == unfollowId, Delivery);
        Assert.True(undo.HasValue, $"B never logged the Undo.\nA:\n{a.Output}\nB:\n{b.Output}");
        Assert.Empty(await b.FollowersAsync("bob"));
    }
}
