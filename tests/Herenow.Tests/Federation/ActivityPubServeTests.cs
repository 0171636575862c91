using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Herenow.Grains.Federation.Signatures;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Federation;

/// <summary>What the fediverse reads of us, through the real API on a real port: discovery, actors, collections, notes, and the inbox's door.</summary>
public sealed class ActivityPubServeTests(FederatedApiHost api) : IClassFixture<FederatedApiHost>
{
    private readonly HttpClient http = api.Http;
    private static readonly string[] Followers = ["coll_f1", "coll_f2", "coll_f3"];

    private string Host => $"127.0.0.1:{api.Origin.Port}";

    private async Task<JsonElement> Activity(string path, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/activity+json"));
        var response = await http.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Fact]
    public async Task WebFinger_round_trips_from_acct_to_actor_and_back()
    {
        await http.SignUpAsync("wf_alice");
        var finger = await Activity($"/.well-known/webfinger?resource=acct:wf_alice@{Host}");
        Assert.Equal($"acct:wf_alice@{Host}", finger.GetProperty("subject").GetString());
        var self = finger.GetProperty("links").EnumerateArray().Single(l => l.GetProperty("rel").GetString() == "self");
        Assert.Equal("application/activity+json", self.GetProperty("type").GetString());
        var actorUrl = self.GetProperty("href").GetString()!;

        // Mastodon's check: the actor's preferredUsername at the actor's host is the acct: we started from.
        var actor = await Activity(new Uri(actorUrl).PathAndQuery);
        Assert.Equal(actorUrl, actor.GetProperty("id").GetString());
        Assert.Equal($"acct:{actor.GetProperty("preferredUsername").GetString()}@{new Uri(actorUrl).Authority}", finger.GetProperty("subject").GetString());
        // And by actor URL, WebFinger answers the same subject.
        Assert.Equal(finger.GetProperty("subject").GetString(), (await Activity($"/.well-known/webfinger?resource={Uri.EscapeDataString(actorUrl)}")).GetProperty("subject").GetString());

        await Activity("/.well-known/webfinger?resource=acct:wf_alice@elsewhere.example", HttpStatusCode.NotFound);
        await Activity($"/.well-known/webfinger?resource=acct:nobody_here@{Host}", HttpStatusCode.NotFound);
        await Activity("/.well-known/webfinger", HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Actor_is_a_Person_with_inboxes_collections_and_a_2048_bit_key_owned_by_it()
    {
        await http.SignUpAsync("actor_bob");
        var actor = await Activity("/users/actor_bob");
        var id = actor.GetProperty("id").GetString()!;
        Assert.Equal("Person", actor.GetProperty("type").GetString());
        Assert.Equal(id + "/inbox", actor.GetProperty("inbox").GetString());
        Assert.Equal(id + "/outbox", actor.GetProperty("outbox").GetString());
        Assert.Equal(id + "/followers", actor.GetProperty("followers").GetString());
        Assert.Equal(id + "/following", actor.GetProperty("following").GetString());
        Assert.Equal(new Uri(api.Origin, "/inbox").ToString(), actor.GetProperty("endpoints").GetProperty("sharedInbox").GetString());
        var key = actor.GetProperty("publicKey");
        Assert.Equal(id, key.GetProperty("owner").GetString());
        Assert.Equal(id + "#main-key", key.GetProperty("id").GetString());
        using var rsa = RSA.Create();
        rsa.ImportFromPem(key.GetProperty("publicKeyPem").GetString());
        Assert.Equal(2048, rsa.KeySize);
        Assert.DoesNotContain("PRIVATE", actor.GetRawText(), StringComparison.Ordinal);

        // The same key on every fetch (kept in the database, not made per request).
        Assert.Equal(key.GetProperty("publicKeyPem").GetString(), (await Activity("/users/actor_bob")).GetProperty("publicKey").GetProperty("publicKeyPem").GetString());
        await Activity("/users/no_such_user", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_user_who_switches_ActivityPub_off_is_not_discoverable_and_their_notes_are_not_served()
    {
        var token = await http.SignUpAsync("optout_fay");
        var place = await http.CreatePlaceAsync(token, "Quiet Place");
        var checkin = await http.CheckInAsync(token, place, "public", "here");
        await Activity("/users/optout_fay");
        var off = await http.CallAsync(HttpMethod.Patch, "/api/v1/accounts/me", token, new { federation = new { activitypub = false } });
        Assert.Equal(HttpStatusCode.OK, off.StatusCode);

        await Activity("/users/optout_fay", HttpStatusCode.NotFound);
        await Activity($"/.well-known/webfinger?resource=acct:optout_fay@{Host}", HttpStatusCode.NotFound);
        await Activity("/users/optout_fay/outbox", HttpStatusCode.NotFound);
        await Activity($"/users/optout_fay/checkins/{checkin}", HttpStatusCode.NotFound);
        // The REST API still shows the public check-in: the switch is about the fediverse only.
        await http.GetJsonAsync($"/api/v1/checkins/{checkin}", null);
    }

    [Fact]
    public async Task Clean_up_forgets_processed_inbound_activities_and_failures_past_the_retention_only()
    {
        var old = DateTimeOffset.UtcNow - Herenow.Api.Federation.FederationCleanup.Retention - TimeSpan.FromHours(1);
        // Old and processed goes; new, or old but still pending (an actor that never could be read), stays.
        await api.Cluster.Database.ExecuteAsync($"""
            INSERT INTO ap_inbox (activity_id, actor_id, type, received_at, processed_at, next_attempt_at) VALUES
                ('http://x.example/old', 'http://x.example/a', 'Like', '{old:O}', '{old:O}', '{old:O}'),
                ('http://x.example/new', 'http://x.example/a', 'Like', now(), now(), now()),
                ('http://x.example/old-pending', 'http://x.example/a', 'Like', '{old:O}', NULL, '2999-01-01');
            INSERT INTO ap_delivery_failures VALUES (900001, 'x.example', 'http://x.example/inbox', 'a', 16, 'gone', '{old:O}');
            """);
        var cleanup = api.Services.GetRequiredService<Herenow.Api.Federation.FederationCleanup>();
        Assert.True(await cleanup.RunOnceAsync(CancellationToken.None) >= 2);
        Assert.Equal(0, await api.Cluster.Database.ScalarAsync<long>("SELECT count(*) FROM ap_inbox WHERE activity_id = 'http://x.example/old'"));
        Assert.Equal(1, await api.Cluster.Database.ScalarAsync<long>("SELECT count(*) FROM ap_inbox WHERE activity_id = 'http://x.example/new'"));
        Assert.Equal(1, await api.Cluster.Database.ScalarAsync<long>("SELECT count(*) FROM ap_inbox WHERE activity_id = 'http://x.example/old-pending'"));
        Assert.Equal(0, await api.Cluster.Database.ScalarAsync<long>("SELECT count(*) FROM ap_delivery_failures WHERE id = 900001"));
    }

    [Fact]
    public async Task NodeInfo_is_discoverable_and_counts_users_and_posts()
    {
        var token = await http.SignUpAsync("nodeinfo_user");
        await http.CheckInAsync(token, await http.CreatePlaceAsync(token, "NodeInfo Café"), "public", "counted");
        var links = await Activity("/.well-known/nodeinfo");
        var href = links.GetProperty("links")[0].GetProperty("href").GetString()!;
        Assert.Equal("http://nodeinfo.diaspora.software/ns/schema/2.1", links.GetProperty("links")[0].GetProperty("rel").GetString());
        var info = await Activity(new Uri(href).PathAndQuery);
        Assert.Equal("2.1", info.GetProperty("version").GetString());
        Assert.Equal("herenow", info.GetProperty("software").GetProperty("name").GetString());
        Assert.Contains("activitypub", info.GetProperty("protocols").EnumerateArray().Select(p => p.GetString()));
        Assert.True(info.GetProperty("usage").GetProperty("users").GetProperty("total").GetInt64() >= 1);
        Assert.True(info.GetProperty("usage").GetProperty("localPosts").GetInt64() >= 1); // from the checkins table
    }

    [Fact]
    public async Task Outbox_pages_public_checkins_only_and_notes_have_their_own_url()
    {
        var token = await http.SignUpAsync("outbox_carol");
        var place = await http.CreatePlaceAsync(token, "Outbox Café");
        var ids = new List<string>();
        for (var i = 0; i < 22; i++)
        {
            ids.Add(await http.CheckInAsync(token, place, "public", $"shout {i}"));
        }
        var hidden = await http.CheckInAsync(token, place, "followers", "followers only");
        var secret = await http.CheckInAsync(token, place, "private", "private");

        var outbox = await Activity("/users/outbox_carol/outbox");
        Assert.Equal("OrderedCollection", outbox.GetProperty("type").GetString());
        var page = await Activity(new Uri(outbox.GetProperty("first").GetString()!).PathAndQuery);
        var items = page.GetProperty("orderedItems").EnumerateArray().ToList();
        var next = await Activity(new Uri(page.GetProperty("next").GetString()!).PathAndQuery);
        items.AddRange(next.GetProperty("orderedItems").EnumerateArray());
        var noteIds = items.Select(a => a.GetProperty("object").GetProperty("id").GetString()!).ToList();
        Assert.All(items, a => Assert.Equal("Create", a.GetProperty("type").GetString()));
        Assert.Equal(ids.AsEnumerable().Reverse().Select(id => $"{api.Origin.ToString().TrimEnd('/')}/users/outbox_carol/checkins/{id}"), noteIds);
        Assert.DoesNotContain(noteIds, n => n.EndsWith(hidden, StringComparison.Ordinal) || n.EndsWith(secret, StringComparison.Ordinal));

        var note = await Activity($"/users/outbox_carol/checkins/{ids[0]}");
        Assert.Equal("Note", note.GetProperty("type").GetString());
        Assert.Equal("Place", note.GetProperty("location").GetProperty("type").GetString());
        Assert.Equal("Outbox Café", note.GetProperty("location").GetProperty("name").GetString());
        await Activity($"/users/outbox_carol/checkins/{hidden}", HttpStatusCode.NotFound);
        await Activity($"/users/outbox_carol/checkins/{secret}", HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Followers_collection_counts_local_followers_and_pages_them_as_actor_ids()
    {
        var dave = await http.SignUpAsync("coll_dave");
        foreach (var name in Followers)
        {
            var token = await http.SignUpAsync(name);
            Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/coll_dave/follow", token)).StatusCode);
        }
        var collection = await Activity("/users/coll_dave/followers");
        Assert.Equal(3, collection.GetProperty("totalItems").GetInt64());
        var page = await Activity(new Uri(collection.GetProperty("first").GetString()!).PathAndQuery);
        var origin = api.Origin.ToString().TrimEnd('/');
        Assert.Equal(Followers.Reverse().Select(n => $"{origin}/users/{n}"),
            page.GetProperty("orderedItems").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(0, (await Activity("/users/coll_dave/following")).GetProperty("totalItems").GetInt64());
        Assert.Equal(1, (await Activity("/users/coll_f1/following")).GetProperty("totalItems").GetInt64());
        _ = dave;
    }

    [Fact]
    public async Task Inbox_refuses_unsigned_and_tampered_posts_with_401()
    {
        await http.SignUpAsync("inbox_erin");
        var body = """{"@context":"https://www.w3.org/ns/activitystreams","id":"http://127.0.0.1:1/a/1","type":"Follow","actor":"http://127.0.0.1:1/users/x","object":"x"}""";
        using (var unsigned = new HttpRequestMessage(HttpMethod.Post, "/users/inbox_erin/inbox") { Content = new StringContent(body, Encoding.UTF8, "application/activity+json") })
        {
            var response = await http.SendAsync(unsigned);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        // Signed, then the body changed: the digest no longer matches.
        using var rsa = RSA.Create(2048);
        var key = new SigningKey("http://127.0.0.1:1/users/x#main-key", rsa.ExportPkcs8PrivateKeyPem());
        foreach (var scheme in new[] { SignatureScheme.Rfc9421, SignatureScheme.DraftCavage })
        {
            using var tampered = new HttpRequestMessage(HttpMethod.Post, new Uri(api.Origin, "/inbox"));
            HttpSignatures.Sign(tampered, Encoding.UTF8.GetBytes(body), key, scheme, DateTimeOffset.UtcNow);
            tampered.Content = new StringContent(body.Replace("Follow", "Block", StringComparison.Ordinal), Encoding.UTF8, "application/activity+json");
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.SendAsync(tampered)).StatusCode);
        }
    }
}
