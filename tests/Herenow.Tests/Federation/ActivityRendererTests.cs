using System.Text.Json.Nodes;
using Herenow.Grains.Checkins;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Media;

namespace Herenow.Tests.Federation;

/// <summary>The ActivityStreams JSON Herenow sends: audience, the Note with its Place and Images, and the activities.</summary>
public sealed class ActivityRendererTests
{
    private const string Origin = "https://herenow.example";
    private const string Alice = Origin + "/users/alice";
    private const string Followers = Alice + "/followers";
    private const string RemoteActor = "https://remote.example/users/bob";
    private const string RemoteFollow = "https://remote.example/follows/123";

    private static readonly ApUrls Urls = new(new Uri(Origin));
    private static readonly ActivityRenderer Renderer = new(Urls, key => $"https://cdn.example/media/{key}");
    private static readonly DateTimeOffset Posted = new(2026, 3, 14, 15, 9, 26, 535, TimeSpan.FromHours(2));

    private static readonly MediaAttachment Jpeg = new("m1", "A latte with foam art", "LEHV6nWB2yk8pyo0adR*.7kCMdnj", 1600, 1200, "aaaa.jpg", "aaaa.preview.jpg");
    private static readonly MediaAttachment Png = new("m2", null, "L6PZfSi_.AyE_3t7t7R**0o#DgR4", 800, 600, "bbbb.png", "bbbb.preview.png");

    private static CheckinRecord Checkin(
        Visibility visibility = Visibility.Public, double? accuracy = 12.34, string? shout = "Great coffee", string placeName = "Café Zur Post",
        IReadOnlyList<MediaAttachment>? media = null) =>
        new("c1", "alice", new PlaceSnapshot("p1", placeName, 52.52, 13.405, "cafe"),
            52.5212345678, 13.4049999876, accuracy, shout, visibility, media?.Select(m => m.Id).ToList() ?? [], Posted, 0, media);

    private static List<string> Strings(JsonNode? array) => array!.AsArray().Select(n => n!.GetValue<string>()).ToList();

    [Fact]
    public void A_public_note_goes_to_the_public_collection_and_copies_the_followers()
    {
        var note = Renderer.Note(Checkin(Visibility.Public));

        Assert.Equal(["https://www.w3.org/ns/activitystreams#Public"], Strings(note["to"]));
        Assert.Equal([Followers], Strings(note["cc"]));
        Assert.Equal(Alice + "/checkins/c1", note["id"]!.GetValue<string>());
        Assert.Equal("Note", note["type"]!.GetValue<string>());
        Assert.Equal(Alice, note["attributedTo"]!.GetValue<string>());
        Assert.Equal("2026-03-14T13:09:26Z", note["published"]!.GetValue<string>()); // UTC, no fraction
        Assert.NotNull(note["@context"]);
    }

    [Fact]
    public void A_followers_only_note_goes_to_the_followers_and_copies_nobody()
    {
        var note = Renderer.Note(Checkin(Visibility.Followers));

        Assert.Equal([Followers], Strings(note["to"]));
        Assert.Empty(note["cc"]!.AsArray());
        Assert.DoesNotContain("https://www.w3.org/ns/activitystreams#Public", note.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_private_check_in_is_never_rendered()
    {
        Assert.Throws<InvalidOperationException>(() => Renderer.Note(Checkin(Visibility.Private)));
        Assert.Throws<InvalidOperationException>(() => Renderer.Create(Checkin(Visibility.Private)));
        Assert.Throws<InvalidOperationException>(() => Renderer.Delete("alice", "c1", Visibility.Private));
    }

    [Fact]
    public void The_location_is_a_place_with_the_check_in_position_to_six_decimals_and_the_accuracy_in_metres()
    {
        var place = Renderer.Note(Checkin(accuracy: 12.34))["location"]!.AsObject();

        Assert.Equal("Place", place["type"]!.GetValue<string>());
        Assert.Equal("Café Zur Post", place["name"]!.GetValue<string>());
        Assert.Equal(52.521235, place["latitude"]!.GetValue<double>(), 9);
        Assert.Equal(13.405, place["longitude"]!.GetValue<double>(), 9);
        Assert.Equal("52.521235", place["latitude"]!.ToJsonString());
        Assert.Equal("13.405", place["longitude"]!.ToJsonString());
        Assert.Equal(12.3, place["accuracy"]!.GetValue<double>(), 9);
        Assert.Equal("m", place["units"]!.GetValue<string>());
    }

    [Fact]
    public void Without_a_reported_accuracy_the_place_has_no_accuracy_or_units()
    {
        var place = Renderer.Note(Checkin(accuracy: null))["location"]!.AsObject();

        Assert.False(place.ContainsKey("accuracy"));
        Assert.False(place.ContainsKey("units"));
        Assert.True(place.ContainsKey("latitude"));
    }

    [Fact]
    public void Photos_are_image_attachments_with_media_type_url_alt_text_blurhash_and_size()
    {
        var attachments = Renderer.Note(Checkin(media: [Jpeg, Png]))["attachment"]!.AsArray();

        Assert.Equal(2, attachments.Count);
        var first = attachments[0]!.AsObject();
        Assert.Equal("Image", first["type"]!.GetValue<string>());
        Assert.Equal("image/jpeg", first["mediaType"]!.GetValue<string>());
        Assert.Equal("https://cdn.example/media/aaaa.jpg", first["url"]!.GetValue<string>());
        Assert.Equal("A latte with foam art", first["name"]!.GetValue<string>());
        Assert.Equal(Jpeg.Blurhash, first["blurhash"]!.GetValue<string>());
        Assert.Equal(1600, first["width"]!.GetValue<int>());
        Assert.Equal(1200, first["height"]!.GetValue<int>());
        var second = attachments[1]!.AsObject();
        Assert.Equal("image/png", second["mediaType"]!.GetValue<string>());
        Assert.Equal("https://cdn.example/media/bbbb.png", second["url"]!.GetValue<string>());
        Assert.Null(second["name"]); // no alt text given
    }

    [Fact]
    public void A_check_in_without_photos_has_an_empty_attachment_list()
    {
        Assert.Empty(Renderer.Note(Checkin(media: null))["attachment"]!.AsArray());
    }

    [Fact]
    public void Html_in_the_shout_and_the_place_name_is_escaped_in_the_content()
    {
        var note = Renderer.Note(Checkin(shout: "<script>alert(1)</script> & \"bye\"", placeName: "<b>Bar</b> & Grill"));
        var content = note["content"]!.GetValue<string>();

        Assert.DoesNotContain("<script>", content, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", content, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;bye&quot;", content, StringComparison.Ordinal);
        Assert.Contains("&lt;b&gt;Bar&lt;/b&gt; &amp; Grill", content, StringComparison.Ordinal);
        Assert.Contains($"<a href=\"{Alice}/checkins/c1\">", content, StringComparison.Ordinal);
        // The place's name in the location is data, not HTML: kept as typed.
        Assert.Equal("<b>Bar</b> & Grill", note["location"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public void Without_a_shout_the_content_is_only_the_place_line()
    {
        var content = Renderer.Note(Checkin(shout: "  "))["content"]!.GetValue<string>();

        Assert.Equal(1, content.Split("<p>").Length - 1);
    }

    [Fact]
    public void Create_wraps_the_note_with_the_same_audience_and_a_stable_id()
    {
        var checkin = Checkin(Visibility.Followers, media: [Jpeg]);

        var create = Renderer.Create(checkin);
        var again = Renderer.Create(checkin);

        Assert.Equal("Create", create["type"]!.GetValue<string>());
        Assert.Equal(Alice + "/checkins/c1/activity", create["id"]!.GetValue<string>());
        Assert.Equal(create["id"]!.GetValue<string>(), again["id"]!.GetValue<string>());
        Assert.Equal(create.ToJsonString(), again.ToJsonString()); // same bytes: a retried fan-out queues nothing new
        Assert.Equal(Alice, create["actor"]!.GetValue<string>());
        var note = create["object"]!.AsObject();
        Assert.Equal(Alice + "/checkins/c1", note["id"]!.GetValue<string>());
        Assert.Equal(Strings(create["to"]), Strings(note["to"]));
        Assert.Equal(Strings(create["cc"]), Strings(note["cc"]));
        Assert.Equal([Followers], Strings(create["to"]));
        Assert.False(note.ContainsKey("@context")); // only the outer document carries it
        Assert.NotEqual(create["id"]!.GetValue<string>(), note["id"]!.GetValue<string>());
    }

    [Fact]
    public void Delete_carries_a_tombstone_of_the_note()
    {
        var delete = Renderer.Delete("alice", "c1", Visibility.Public);

        Assert.Equal("Delete", delete["type"]!.GetValue<string>());
        Assert.Equal(Alice, delete["actor"]!.GetValue<string>());
        var tombstone = delete["object"]!.AsObject();
        Assert.Equal("Tombstone", tombstone["type"]!.GetValue<string>());
        Assert.Equal(Alice + "/checkins/c1", tombstone["id"]!.GetValue<string>());
        Assert.Equal(["https://www.w3.org/ns/activitystreams#Public"], Strings(delete["to"]));
        Assert.Equal([Followers], Strings(delete["cc"]));
        Assert.NotEqual(Renderer.Create(Checkin())["id"]!.GetValue<string>(), delete["id"]!.GetValue<string>());
        Assert.Equal(delete["id"]!.GetValue<string>(), Renderer.Delete("alice", "c1", Visibility.Public)["id"]!.GetValue<string>());
    }

    [Fact]
    public void Accept_embeds_the_remote_follow_and_has_an_id_derived_from_it()
    {
        var accept = Renderer.Accept("alice", RemoteFollow, RemoteActor);

        Assert.Equal("Accept", accept["type"]!.GetValue<string>());
        Assert.Equal(Alice, accept["actor"]!.GetValue<string>());
        Assert.Equal([RemoteActor], Strings(accept["to"]));
        var follow = accept["object"]!.AsObject();
        Assert.Equal(RemoteFollow, follow["id"]!.GetValue<string>());
        Assert.Equal("Follow", follow["type"]!.GetValue<string>());
        Assert.Equal(RemoteActor, follow["actor"]!.GetValue<string>());
        Assert.Equal(Alice, follow["object"]!.GetValue<string>());
        Assert.StartsWith(Alice + "/accepts/", accept["id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal(accept["id"]!.GetValue<string>(), Renderer.Accept("alice", RemoteFollow, RemoteActor)["id"]!.GetValue<string>());
        Assert.NotEqual(accept["id"]!.GetValue<string>(), Renderer.Accept("alice", RemoteFollow + "4", RemoteActor)["id"]!.GetValue<string>());
    }

    [Fact]
    public void Undo_embeds_the_follow_without_its_context()
    {
        var followId = Urls.Follow("alice", "f1");
        var follow = Renderer.Follow("alice", followId, RemoteActor);
        Assert.NotNull(follow["@context"]);

        var undo = Renderer.Undo("alice", follow);

        Assert.Equal("Undo", undo["type"]!.GetValue<string>());
        Assert.Equal(followId + "#undo", undo["id"]!.GetValue<string>());
        Assert.Equal(Alice, undo["actor"]!.GetValue<string>());
        Assert.NotNull(undo["@context"]);
        var inner = undo["object"]!.AsObject();
        Assert.False(inner.ContainsKey("@context"));
        Assert.Equal("Follow", inner["type"]!.GetValue<string>());
        Assert.Equal(followId, inner["id"]!.GetValue<string>());
        Assert.Equal(Alice, inner["actor"]!.GetValue<string>());
        Assert.Equal(RemoteActor, inner["object"]!.GetValue<string>());
    }
}
