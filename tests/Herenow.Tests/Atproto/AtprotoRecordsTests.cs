using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Federation.ActivityPub;
using Herenow.Grains.Federation.Atproto;
using Herenow.Grains.Media;
using Herenow.Grains.Security;

namespace Herenow.Tests.Atproto;

/// <summary>The pure parts of the AT Protocol relay: record keys, the post's text and facets, the location record, sealed passwords.</summary>
public sealed class AtprotoRecordsTests
{
    private static readonly ApUrls Urls = new(new Uri("https://herenow.example"));
    private static readonly AtprotoRecords Records = new(Urls);

    private static CheckinRecord Checkin(string? shout = "Flat white", string place = "Café Einstein", IReadOnlyList<MediaAttachment>? media = null)
    {
        var at = new DateTimeOffset(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);
        return new CheckinRecord(TimeOrderedId.New(at), "alice", new PlaceSnapshot("p1", place, 52.5096, 13.3760, "cafe"),
            52.509712, 13.376081, 8, shout, Visibility.Public, [], at, 0, media);
    }

    [Fact]
    public void Record_keys_are_valid_tids_the_same_for_the_same_checkin_and_different_for_others()
    {
        var id = TimeOrderedId.New();
        var tid = Tid.ForCheckin(id);
        Assert.Matches("^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$", tid);
        Assert.Equal(tid, Tid.ForCheckin(id));
        // Two check-ins in the same millisecond still get different keys.
        var now = DateTimeOffset.UtcNow;
        var keys = Enumerable.Range(0, 200).Select(_ => Tid.ForCheckin(TimeOrderedId.New(now), now)).ToHashSet();
        Assert.True(keys.Count >= 199, $"{keys.Count} distinct keys of 200");
        // Time-ordered like the check-ins (AT Protocol sorts TIDs by time).
        Assert.True(string.CompareOrdinal(Tid.ForCheckin("x", now), Tid.ForCheckin("x", now.AddSeconds(1))) < 0);
    }

    [Fact]
    public void The_text_names_the_place_then_the_shout_then_the_link_with_a_facet_at_its_utf8_byte_offsets()
    {
        var checkin = Checkin(shout: "Käsekuchen 🍰 und Kaffee");
        var post = Records.Post(checkin, [], ("at://did:plc:x/app.herenow.checkin/k", "bafyc"));
        var text = post["text"]!.GetValue<string>();
        var link = Urls.Note("alice", checkin.Id);
        Assert.Equal($"📍 Café Einstein\nKäsekuchen 🍰 und Kaffee\n{link}", text);

        var facet = post["facets"]![0]!;
        var start = facet["index"]!["byteStart"]!.GetValue<int>();
        var end = facet["index"]!["byteEnd"]!.GetValue<int>();
        Assert.Equal(link, Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)[start..end]));
        Assert.Equal("app.bsky.richtext.facet#link", facet["features"]![0]!["$type"]!.GetValue<string>());
        Assert.Equal(link, facet["features"]![0]!["uri"]!.GetValue<string>());
    }

    [Fact]
    public void A_long_shout_is_cut_to_fit_300_graphemes_and_the_link_stays_whole()
    {
        var shout = string.Concat(Enumerable.Repeat("👩‍👩‍👧 ", 200)); // family emoji: one grapheme, many chars
        var (text, linkStart) = AtprotoRecords.Text("A place", shout, "https://herenow.example/users/alice/checkins/01J");
        Assert.True(AtprotoRecords.Graphemes(text) <= AtprotoRecords.MaxGraphemes, $"{AtprotoRecords.Graphemes(text)} graphemes");
        Assert.EndsWith("\nhttps://herenow.example/users/alice/checkins/01J", text, StringComparison.Ordinal);
        Assert.Equal("https://herenow.example/users/alice/checkins/01J", text[linkStart..]);
        Assert.Contains("…", text, StringComparison.Ordinal);
        Assert.DoesNotContain("\uFFFD", text, StringComparison.Ordinal); // never a split grapheme
    }

    [Fact]
    public void The_post_embeds_the_location_record_and_the_photos_with_alt_and_aspect_ratio()
    {
        var media = new MediaAttachment("m1", "A flat white", "LEHV6nWB2yk8pyo0adR*.7kCMdnj", 1280, 960, "a.jpg", "b.jpg");
        var blob = JsonNode.Parse("""{"$type":"blob","ref":{"$link":"bafkrei"},"mimeType":"image/jpeg","size":1234}""")!;
        var post = Records.Post(Checkin(media: [media]), [(blob, media)], ("at://did:plc:x/app.herenow.checkin/k", "bafyc"));
        var embed = post["embed"]!;
        Assert.Equal("app.bsky.embed.recordWithMedia", embed["$type"]!.GetValue<string>());
        Assert.Equal("at://did:plc:x/app.herenow.checkin/k", embed["record"]!["record"]!["uri"]!.GetValue<string>());
        var image = embed["media"]!["images"]![0]!;
        Assert.Equal("A flat white", image["alt"]!.GetValue<string>());
        Assert.Equal(1280, image["aspectRatio"]!["width"]!.GetValue<int>());
        Assert.Equal("bafkrei", image["image"]!["ref"]!["$link"]!.GetValue<string>());
        Assert.Equal("app.bsky.embed.record", Records.Post(Checkin(), [], ("u", "c"))["embed"]!["$type"]!.GetValue<string>());
    }

    [Fact]
    public void The_location_record_is_shaped_like_community_lexicon_location_geo_with_coordinates_as_strings()
    {
        var location = Records.Location(Checkin(), "at://did:plc:x/app.bsky.feed.post/k");
        Assert.Equal("app.herenow.checkin", location["$type"]!.GetValue<string>());
        var geo = location["location"]!;
        Assert.Equal("community.lexicon.location.geo", geo["$type"]!.GetValue<string>());
        Assert.Equal("52.509712", geo["latitude"]!.GetValue<string>());
        Assert.Equal("13.376081", geo["longitude"]!.GetValue<string>());
        Assert.Equal("Café Einstein", geo["name"]!.GetValue<string>());
        Assert.Equal("at://did:plc:x/app.bsky.feed.post/k", location["post"]!.GetValue<string>());
    }

    [Fact]
    public void Sealed_passwords_open_only_with_the_same_key_and_owner_and_never_contain_the_plain_text()
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var box = new SecretBox(key);
        var sealedBytes = box.Seal("abcd-efgh-ijkl-mnop", "alice");
        Assert.Equal("abcd-efgh-ijkl-mnop", box.Open(sealedBytes, "alice"));
        Assert.DoesNotContain("abcd", Encoding.UTF8.GetString(sealedBytes), StringComparison.Ordinal);
        Assert.NotEqual(sealedBytes, box.Seal("abcd-efgh-ijkl-mnop", "alice")); // a fresh nonce each time
        Assert.ThrowsAny<CryptographicException>(() => box.Open(sealedBytes, "mallory"));
        Assert.ThrowsAny<CryptographicException>(() => new SecretBox(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))).Open(sealedBytes, "alice"));
        sealedBytes[^1] ^= 1;
        Assert.ThrowsAny<CryptographicException>(() => box.Open(sealedBytes, "alice"));
        Assert.False(new SecretBox(null).Available);
        Assert.Throws<ArgumentException>(() => new SecretBox(Convert.ToBase64String(new byte[16])));
    }
}
