using System.Text.Json;
using Herenow.Grains.Federation.ActivityPub;

namespace Herenow.Tests.Federation;

/// <summary>Defensive JSON-LD reading (LdJson) and actor documents (RemoteActors.Parse) in the shapes servers send.</summary>
public sealed class RemoteActorParsingTests
{
    private const string BobId = "https://remote.example/users/bob";
    private const string Pem = "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----";
    private const string PemJson = "-----BEGIN PUBLIC KEY-----\\nMIIB\\n-----END PUBLIC KEY-----"; // as escaped in JSON

    private static JsonElement Json(string text)
    {
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    [Fact]
    public void A_link_may_be_a_string_an_object_with_an_id_or_an_array()
    {
        Assert.Equal("https://a.example/x", Json("""{"actor":"https://a.example/x"}""").IdOf("actor"));
        Assert.Equal("https://a.example/x", Json("""{"actor":{"id":"https://a.example/x","type":"Person"}}""").IdOf("actor"));
        Assert.Equal("https://a.example/h", Json("""{"url":{"type":"Link","href":"https://a.example/h"}}""").IdOf("url"));
        Assert.Equal("https://a.example/x", Json("""{"actor":[{"type":"Person"},{"id":"https://a.example/x"},"https://a.example/y"]}""").IdOf("actor"));
        Assert.Null(Json("""{"actor":null}""").IdOf("actor"));
        Assert.Null(Json("""{"actor":42}""").IdOf("actor"));
        Assert.Null(Json("""{"other":"x"}""").IdOf("actor"));
        Assert.Null(Json("""["not","an","object"]""").IdOf("actor"));
    }

    [Fact]
    public void Audience_lists_may_be_one_value_or_an_array_of_mixed_shapes()
    {
        Assert.Equal([LdJson.Public], Json("""{"to":"https://www.w3.org/ns/activitystreams#Public"}""").Ids("to"));
        Assert.Equal(["https://a.example/1", "https://a.example/2"],
            Json("""{"cc":["https://a.example/1",{"id":"https://a.example/2"},7,null]}""").Ids("cc"));
        Assert.Empty(Json("""{"cc":[]}""").Ids("cc"));
        Assert.Empty(Json("""{}""").Ids("cc"));
    }

    [Fact]
    public void Type_may_be_a_string_or_an_array()
    {
        Assert.True(Json("""{"type":"Note"}""").IsType("Note"));
        Assert.True(Json("""{"type":["Object","Note"]}""").IsType("Note"));
        Assert.False(Json("""{"type":["Object","Article"]}""").IsType("Note"));
        Assert.False(Json("""{"type":{"id":"Note"}}""").IsType("Note"));
        Assert.Equal("Person", Json("""{"type":[1,"Person","Service"]}""").Type());
        Assert.Null(Json("""{}""").Type());
    }

    [Fact]
    public void Numbers_may_be_quoted_but_not_infinite()
    {
        Assert.Equal(52.5, Json("""{"latitude":52.5}""").Number("latitude"));
        Assert.Equal(52.5, Json("""{"latitude":"52.5"}""").Number("latitude"));
        Assert.Null(Json("""{"latitude":"north"}""").Number("latitude"));
        Assert.Null(Json("""{"latitude":"Infinity"}""").Number("latitude"));
        Assert.Null(Json("""{"latitude":"NaN"}""").Number("latitude"));
    }

    private static string Actor(string id = BobId, string publicKey = $$"""{"id":"{{BobId}}#main-key","owner":"{{BobId}}","publicKeyPem":"{{PemJson}}"}""",
        string extra = "") => $$"""
        {
          "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
          "id": "{{id}}",
          "type": "Person",
          "preferredUsername": "bob",
          "name": "Bob Builder",
          "inbox": "{{id}}/inbox",
          "publicKey": {{publicKey}}
          {{extra}}
        }
        """;

    [Fact]
    public void An_actor_document_yields_its_inbox_key_handle_and_name()
    {
        var actor = RemoteActors.Parse(Json(Actor()), BobId);

        Assert.NotNull(actor);
        Assert.Equal(BobId, actor.Id);
        Assert.Equal("bob@remote.example", actor.Handle);
        Assert.Equal(BobId + "/inbox", actor.Inbox);
        Assert.Null(actor.SharedInbox);
        Assert.Equal(BobId + "/inbox", actor.DeliveryInbox);
        Assert.Equal(BobId + "#main-key", actor.KeyId);
        Assert.Equal(Pem, actor.PublicKeyPem);
        Assert.Equal("Bob Builder", actor.DisplayName);
    }

    [Fact]
    public void The_shared_inbox_comes_from_endpoints_and_is_where_deliveries_go()
    {
        var actor = RemoteActors.Parse(Json(Actor(extra: """, "endpoints": {"sharedInbox": "https://remote.example/inbox"}""")), BobId);

        Assert.NotNull(actor);
        Assert.Equal("https://remote.example/inbox", actor.SharedInbox);
        Assert.Equal("https://remote.example/inbox", actor.DeliveryInbox);
    }

    [Fact]
    public void The_inbox_may_be_an_object_with_an_id()
    {
        var document = Actor().Replace($"\"inbox\": \"{BobId}/inbox\"", $"\"inbox\": {{\"id\": \"{BobId}/in\", \"type\": \"OrderedCollection\"}}", StringComparison.Ordinal);

        Assert.Equal(BobId + "/in", RemoteActors.Parse(Json(document), BobId)?.Inbox);
    }

    [Fact]
    public void A_public_key_array_is_searched_for_the_key_the_actor_owns()
    {
        var keys = $$"""
            [{"id":"https://evil.example/users/mallory#main-key","owner":"https://evil.example/users/mallory","publicKeyPem":"x"},
             {"id":"{{BobId}}#other-key","owner":{"id":"{{BobId}}"},"publicKeyPem":"{{PemJson}}"}]
            """;

        var actor = RemoteActors.Parse(Json(Actor(publicKey: keys)), BobId);

        Assert.NotNull(actor);
        Assert.Equal(BobId + "#other-key", actor.KeyId);
        Assert.Equal(Pem, actor.PublicKeyPem);
    }

    [Fact]
    public void A_key_owned_by_another_actor_is_not_used()
    {
        var foreign = """{"id":"https://evil.example/users/mallory#main-key","owner":"https://evil.example/users/mallory","publicKeyPem":"x"}""";

        var actor = RemoteActors.Parse(Json(Actor(publicKey: foreign)), BobId);

        Assert.NotNull(actor); // the actor itself is fine; it just has no key we would trust
        Assert.Null(actor.KeyId);
        Assert.Null(actor.PublicKeyPem);
    }

    [Fact]
    public void An_actor_whose_id_differs_from_the_fetched_url_is_refused()
    {
        Assert.Null(RemoteActors.Parse(Json(Actor()), "https://remote.example/users/alice"));
        Assert.Null(RemoteActors.Parse(Json(Actor()), "https://other.example/users/bob"));
        Assert.Null(RemoteActors.Parse(Json(Actor(id: "https://evil.example/users/bob")), BobId));
    }

    [Fact]
    public void An_actor_without_an_id_or_an_inbox_is_refused()
    {
        Assert.Null(RemoteActors.Parse(Json("""{"type":"Person","inbox":"https://remote.example/users/bob/inbox"}"""), BobId));
        Assert.Null(RemoteActors.Parse(Json($$"""{"id":"{{BobId}}","type":"Person"}"""), BobId));
    }

    [Fact]
    public void The_handle_keeps_a_non_default_port()
    {
        const string id = "http://127.0.0.1:8123/users/carol";
        var document = $$"""{"id":"{{id}}","type":"Person","preferredUsername":"carol","inbox":"{{id}}/inbox"}""";

        Assert.Equal("carol@127.0.0.1:8123", RemoteActors.Parse(Json(document), id)?.Handle);
        const string https = "https://remote.example:443/users/dave";
        Assert.Equal("dave@remote.example", RemoteActors.Parse(Json($$"""{"id":"{{https}}","inbox":"{{https}}/inbox","preferredUsername":"dave"}"""), https)?.Handle);
    }

    [Fact]
    public void Without_a_preferred_username_the_handle_uses_the_last_path_segment()
    {
        const string id = "https://remote.example/users/erin";

        var actor = RemoteActors.Parse(Json($$"""{"id":"{{id}}","inbox":"{{id}}/inbox"}"""), id);

        Assert.Equal("erin@remote.example", actor?.Handle);
        Assert.Equal("erin", actor?.DisplayName);
    }
}
