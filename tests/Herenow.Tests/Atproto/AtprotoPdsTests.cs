using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Herenow.Tests.Support;
using Xunit.Abstractions;

namespace Herenow.Tests.Atproto;

/// <summary>One PDS (with its PLC) for the tests of this class; they each make their own account.</summary>
public sealed class AtprotoPdsFixture : IAsyncLifetime
{
    public AtprotoPds Pds { get; private set; } = null!;

    public async Task InitializeAsync() => Pds = await AtprotoPds.StartAsync();

    public async Task DisposeAsync()
    {
        if (Pds is not null) await Pds.DisposeAsync();
    }
}

/// <summary>
/// What Herenow will do against a user's PDS, done by hand with HttpClient + System.Text.Json against the reference
/// PDS (@atproto/pds 0.5.35): log in with an app password, upload a photo, write an <c>app.bsky.feed.post</c> with a
/// link facet and the photo, and an <c>app.herenow.checkin</c> with the place, both under the same TID; refresh the
/// session; delete both. Each step asserts the exact behaviour observed, so a PDS that changes it shows up here.
/// </summary>
public sealed class AtprotoPdsTests(AtprotoPdsFixture fixture, ITestOutputHelper log) : IClassFixture<AtprotoPdsFixture>
{
    private const string Post = "app.bsky.feed.post";
    private const string Checkin = "app.herenow.checkin";
    private const string TidAlphabet = "234567abcdefghijklmnopqrstuvwxyz";

    private AtprotoPds Pds => fixture.Pds;

    [Fact]
    public async Task Session_blob_post_and_checkin_round_trip_then_delete()
    {
        var account = await Pds.CreateAccountAsync("alice.test");
        using var http = new HttpClient { BaseAddress = Pds.PdsUrl, Timeout = TimeSpan.FromSeconds(30) };

        // -- createSession with the handle and the APP password
        var (status, session) = await Xrpc(http, "com.atproto.server.createSession", new { identifier = account.Handle, password = account.AppPassword });
        Assert.Equal(HttpStatusCode.OK, status);
        var access = session.GetProperty("accessJwt").GetString()!;
        var refresh = session.GetProperty("refreshJwt").GetString()!;
        Assert.Equal(account.Did, session.GetProperty("did").GetString());
        Assert.Equal("alice.test", session.GetProperty("handle").GetString());
        Assert.True(session.GetProperty("active").GetBoolean());
        Assert.StartsWith("did:plc:", account.Did, StringComparison.Ordinal);
        // An app password's session says so in its token: scope com.atproto.appPass (a full login's is com.atproto.access).
        var claims = JwtPayload(access);
        Assert.Equal("com.atproto.appPass", claims.GetProperty("scope").GetString());
        Assert.Equal(account.Did, claims.GetProperty("sub").GetString());
        log.WriteLine($"createSession: {Redact(session)}\naccess token claims: {claims}");

        // -- uploadBlob: a real JPEG, Content-Type image/jpeg
        var jpeg = TestImages.Jpeg(TestImages.Gradient(64, 48));
        var upload = await Upload(http, access, jpeg, "image/jpeg");
        var blob = upload.GetProperty("blob");
        Assert.Equal("blob", blob.GetProperty("$type").GetString());
        var blobCid = blob.GetProperty("ref").GetProperty("$link").GetString()!;
        Assert.Null(await Pds.GetBlobAsync(account.Did, blobCid)); // uploaded but not referenced yet: not served
        Assert.StartsWith("bafkrei", blobCid, StringComparison.Ordinal); // CIDv1, raw codec, sha-256
        Assert.Equal("image/jpeg", blob.GetProperty("mimeType").GetString());
        Assert.Equal(jpeg.Length, blob.GetProperty("size").GetInt32());
        log.WriteLine($"uploadBlob: {upload}");

        // -- putRecord app.bsky.feed.post, rkey = a TID we make
        var tid = Tid(DateTimeOffset.UtcNow);
        Assert.Matches("^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$", tid);
        var createdAt = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture);
        const string link = "https://herenow.example/c/42";
        var text = $"Kaffee im Café Größenwahn 🇩🇪 {link}";
        var byteStart = Encoding.UTF8.GetByteCount(text[..text.IndexOf(link, StringComparison.Ordinal)]);
        var byteEnd = byteStart + Encoding.UTF8.GetByteCount(link);
        Assert.NotEqual(text.IndexOf(link, StringComparison.Ordinal), byteStart); // bytes, not UTF-16 units
        var post = new JsonObject
        {
            ["$type"] = Post,
            ["text"] = text,
            ["facets"] = new JsonArray(new JsonObject
            {
                ["index"] = new JsonObject { ["byteStart"] = byteStart, ["byteEnd"] = byteEnd },
                ["features"] = new JsonArray(new JsonObject { ["$type"] = "app.bsky.richtext.facet#link", ["uri"] = link }),
            }),
            ["embed"] = new JsonObject
            {
                ["$type"] = "app.bsky.embed.images",
                ["images"] = new JsonArray(new JsonObject
                {
                    ["alt"] = "Ein Farbverlauf",
                    ["image"] = JsonNode.Parse(blob.GetRawText()),
                    ["aspectRatio"] = new JsonObject { ["width"] = 64, ["height"] = 48 },
                }),
            },
            ["langs"] = new JsonArray("de"),
            ["createdAt"] = createdAt,
        };
        var (postStatus, putPost) = await Xrpc(http, "com.atproto.repo.putRecord", new { repo = account.Did, collection = Post, rkey = tid, record = post }, access);
        Assert.True(postStatus == HttpStatusCode.OK, $"putRecord post: {(int)postStatus} {putPost}");
        var postUri = putPost.GetProperty("uri").GetString()!;
        var postCid = putPost.GetProperty("cid").GetString()!;
        Assert.Equal($"at://{account.Did}/{Post}/{tid}", postUri);
        Assert.StartsWith("bafyrei", postCid, StringComparison.Ordinal); // CIDv1, dag-cbor, sha-256
        Assert.True(putPost.GetProperty("commit").TryGetProperty("cid", out _));
        Assert.True(putPost.GetProperty("commit").TryGetProperty("rev", out _));
        Assert.Equal("valid", putPost.GetProperty("validationStatus").GetString());
        log.WriteLine($"putRecord post: {putPost}");

        var readPost = await Pds.GetRecordAsync(account.Did, Post, tid);
        Assert.NotNull(readPost);
        Assert.Equal(postUri, readPost.Value.GetProperty("uri").GetString());
        Assert.Equal(postCid, readPost.Value.GetProperty("cid").GetString());
        var value = readPost.Value.GetProperty("value");
        Assert.Equal(text, value.GetProperty("text").GetString());
        Assert.Equal(byteStart, value.GetProperty("facets")[0].GetProperty("index").GetProperty("byteStart").GetInt32());
        Assert.Equal(byteEnd, value.GetProperty("facets")[0].GetProperty("index").GetProperty("byteEnd").GetInt32());
        var image = value.GetProperty("embed").GetProperty("images")[0];
        Assert.Equal("Ein Farbverlauf", image.GetProperty("alt").GetString());
        Assert.Equal(48, image.GetProperty("aspectRatio").GetProperty("height").GetInt32());
        Assert.Equal(blobCid, image.GetProperty("image").GetProperty("ref").GetProperty("$link").GetString());
        Assert.Equal(createdAt, value.GetProperty("createdAt").GetString());
        Assert.Equal(jpeg, await Pds.GetBlobAsync(account.Did, blobCid)); // referenced now, so kept and served

        // -- app.herenow.checkin, same rkey: an unknown collection
        var checkin = new JsonObject
        {
            ["$type"] = Checkin,
            ["location"] = new JsonObject
            {
                ["$type"] = "community.lexicon.location.geo",
                ["latitude"] = "52.5097",
                ["longitude"] = "13.3761",
                ["name"] = "Café",
            },
            ["post"] = new JsonObject { ["uri"] = postUri, ["cid"] = postCid },
            ["createdAt"] = createdAt,
        };
        // validate: true refuses a collection whose lexicon the PDS does not know...
        var (strictStatus, strict) = await Xrpc(http, "com.atproto.repo.putRecord", new { repo = account.Did, collection = Checkin, rkey = tid, validate = true, record = checkin }, access);
        Assert.Equal(HttpStatusCode.BadRequest, strictStatus);
        Assert.Equal("InvalidRequest", strict.GetProperty("error").GetString());
        Assert.Equal("Unknown lexicon type: app.herenow.checkin", strict.GetProperty("message").GetString());
        log.WriteLine($"putRecord checkin validate=true: {(int)strictStatus} {strict}");
        // ...without validate (the default: validate what it knows) it is stored, validationStatus "unknown".
        var checkinBody = new { repo = account.Did, collection = Checkin, rkey = tid, record = checkin };
        var (checkinStatus, putCheckin) = await Xrpc(http, "com.atproto.repo.putRecord", checkinBody, access);
        Assert.True(checkinStatus == HttpStatusCode.OK, $"putRecord checkin: {(int)checkinStatus} {putCheckin}");
        var checkinCid = putCheckin.GetProperty("cid").GetString()!;
        Assert.Equal($"at://{account.Did}/{Checkin}/{tid}", putCheckin.GetProperty("uri").GetString());
        Assert.Equal("unknown", putCheckin.GetProperty("validationStatus").GetString());
        Assert.True(putCheckin.TryGetProperty("commit", out _));
        log.WriteLine($"putRecord checkin (validate omitted): {putCheckin}");
        var readCheckin = (await Pds.GetRecordAsync(account.Did, Checkin, tid))!.Value.GetProperty("value");
        Assert.Equal("52.5097", readCheckin.GetProperty("location").GetProperty("latitude").GetString());
        Assert.Equal("Café", readCheckin.GetProperty("location").GetProperty("name").GetString());
        Assert.Equal(postCid, readCheckin.GetProperty("post").GetProperty("cid").GetString());

        // -- the same putRecord again: the same cid, and no commit (nothing changed, the repo's rev stays)
        var (againStatus, again) = await Xrpc(http, "com.atproto.repo.putRecord", checkinBody, access);
        Assert.Equal(HttpStatusCode.OK, againStatus);
        Assert.Equal(checkinCid, again.GetProperty("cid").GetString());
        Assert.False(again.TryGetProperty("commit", out _), $"a repeated putRecord made a commit: {again}");
        log.WriteLine($"putRecord checkin again: {again}");
        Assert.Single((await Pds.ListRecordsAsync(account.Did, Checkin)).GetProperty("records").EnumerateArray());

        // -- refreshSession with the refresh token: a new pair that works
        var (refreshStatus, refreshed) = await Xrpc(http, "com.atproto.server.refreshSession", null, refresh);
        Assert.Equal(HttpStatusCode.OK, refreshStatus);
        var newAccess = refreshed.GetProperty("accessJwt").GetString()!;
        Assert.NotEqual(refresh, refreshed.GetProperty("refreshJwt").GetString());
        Assert.Equal(account.Did, refreshed.GetProperty("did").GetString());
        Assert.Equal("com.atproto.appPass", JwtPayload(newAccess).GetProperty("scope").GetString());
        log.WriteLine($"refreshSession: {Redact(refreshed)}");
        // An access token is not a refresh token.
        var (swapStatus, swap) = await Xrpc(http, "com.atproto.server.refreshSession", null, newAccess);
        log.WriteLine($"refreshSession with an access token: {(int)swapStatus} {swap}");
        Assert.Equal(HttpStatusCode.BadRequest, swapStatus);
        Assert.Equal("InvalidToken", swap.GetProperty("error").GetString());

        // -- deleteRecord both (with the refreshed access token); a second delete is a no-op
        foreach (var collection in new[] { Checkin, Post })
        {
            var (deleteStatus, deleted) = await Xrpc(http, "com.atproto.repo.deleteRecord", new { repo = account.Did, collection, rkey = tid }, newAccess);
            Assert.Equal(HttpStatusCode.OK, deleteStatus);
            Assert.True(deleted.GetProperty("commit").TryGetProperty("rev", out _));
            log.WriteLine($"deleteRecord {collection}: {deleted}");
            var (twiceStatus, twice) = await Xrpc(http, "com.atproto.repo.deleteRecord", new { repo = account.Did, collection, rkey = tid }, newAccess);
            Assert.Equal(HttpStatusCode.OK, twiceStatus);
            Assert.Equal("{}", twice.GetRawText());
            Assert.Null(await Pds.GetRecordAsync(account.Did, collection, tid));
            Assert.Empty((await Pds.ListRecordsAsync(account.Did, collection)).GetProperty("records").EnumerateArray());
        }
        // The photo went with its only record: getBlob answers 400 "Blob not found" at once.
        Assert.Null(await Pds.GetBlobAsync(account.Did, blobCid));
    }

    [Fact]
    public async Task Wrong_password_is_401_with_an_error_body()
    {
        var account = await Pds.CreateAccountAsync("bob.test");
        using var http = new HttpClient { BaseAddress = Pds.PdsUrl, Timeout = TimeSpan.FromSeconds(30) };
        foreach (var identifier in new[] { account.Handle, account.Did, "nobody.test" })
        {
            using var response = await http.PostAsync(new Uri("/xrpc/com.atproto.server.createSession", UriKind.Relative),
                Json(new { identifier, password = "not-the-password" }));
            var body = await response.Content.ReadAsStringAsync();
            log.WriteLine($"createSession {identifier} with a wrong password: {(int)response.StatusCode} {response.Content.Headers.ContentType} {body}");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("""{"error":"AuthenticationRequired","message":"Invalid identifier or password"}""", body);
        }
        // The account's main password works too; its token's scope is the full one.
        var (status, full) = await Xrpc(http, "com.atproto.server.createSession", new { identifier = account.Handle, password = account.Password });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("com.atproto.access", JwtPayload(full.GetProperty("accessJwt").GetString()!).GetProperty("scope").GetString());

        // Writing without a token, or with a bad one.
        var record = new { repo = account.Did, collection = Post, rkey = Tid(DateTimeOffset.UtcNow), record = new { text = "x", createdAt = "2026-01-01T00:00:00.000Z" } };
        var (noAuthStatus, noAuth) = await Xrpc(http, "com.atproto.repo.putRecord", record);
        log.WriteLine($"putRecord without a token: {(int)noAuthStatus} {noAuth}");
        Assert.Equal(HttpStatusCode.Unauthorized, noAuthStatus);
        Assert.Equal("AuthMissing", noAuth.GetProperty("error").GetString());
        var (badStatus, bad) = await Xrpc(http, "com.atproto.repo.putRecord", record, "not-a-jwt");
        log.WriteLine($"putRecord with a bad token: {(int)badStatus} {bad}");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus);
        Assert.Equal("InvalidToken", bad.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Post_rkeys_must_be_tids_extra_fields_pass_and_floats_do_not()
    {
        var account = await Pds.CreateAccountAsync("carol.test");
        using var http = new HttpClient { BaseAddress = Pds.PdsUrl, Timeout = TimeSpan.FromSeconds(30) };
        var (_, session) = await Xrpc(http, "com.atproto.server.createSession", new { identifier = account.Handle, password = account.AppPassword });
        var access = session.GetProperty("accessJwt").GetString()!;
        var createdAt = "2026-12-03T12:00:00.000Z";
        object PostRecord(string rkey, bool? validate = null, JsonObject? extra = null)
        {
            var record = new JsonObject { ["$type"] = Post, ["text"] = "hi", ["createdAt"] = createdAt };
            foreach (var (k, v) in extra ?? []) record[k] = v?.DeepClone();
            return validate is null
                ? new { repo = account.Did, collection = Post, rkey, record }
                : new { repo = account.Did, collection = Post, rkey, validate, record };
        }

        // Not TIDs: the PDS refuses them for app.bsky.feed.post (its lexicon says key "tid")...
        var tid = Tid(DateTimeOffset.UtcNow);
        foreach (var rkey in new[] { "hello", "zzzzzzzzzzzzz" /* first char beyond j: top bit set */, tid.ToUpperInvariant(), tid[..12] + "1", tid[..12] })
        {
            var (status, error) = await Xrpc(http, "com.atproto.repo.putRecord", PostRecord(rkey), access);
            log.WriteLine($"post rkey {rkey}: {(int)status} {error}");
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("InvalidRequest", error.GetProperty("error").GetString());
            Assert.Equal($"Invalid record key for app.bsky.feed.post: Invalid TID string (got \"{rkey}\") at $", error.GetProperty("message").GetString());
        }
        // ...unless validate is false (then nothing is checked and no validationStatus comes back).
        var (looseStatus, loose) = await Xrpc(http, "com.atproto.repo.putRecord", PostRecord("hello", validate: false), access);
        log.WriteLine($"post rkey hello, validate=false: {(int)looseStatus} {loose}");
        Assert.Equal(HttpStatusCode.OK, looseStatus);
        Assert.False(loose.TryGetProperty("validationStatus", out _));

        // A post may carry a field its lexicon does not have: still "valid", and read back as written.
        var extraTid = Tid(DateTimeOffset.UtcNow.AddMilliseconds(1));
        var extra = new JsonObject { ["app.herenow.checkin"] = new JsonObject { ["rkey"] = extraTid, ["name"] = "Café" } };
        var (extraStatus, withExtra) = await Xrpc(http, "com.atproto.repo.putRecord", PostRecord(extraTid, extra: extra), access);
        log.WriteLine($"post with an extra field: {(int)extraStatus} {withExtra}");
        Assert.Equal(HttpStatusCode.OK, extraStatus);
        Assert.Equal("valid", withExtra.GetProperty("validationStatus").GetString());
        var read = (await Pds.GetRecordAsync(account.Did, Post, extraTid))!.Value.GetProperty("value");
        Assert.Equal("Café", read.GetProperty("app.herenow.checkin").GetProperty("name").GetString());

        // A post without a required field is refused.
        var (missingStatus, missing) = await Xrpc(http, "com.atproto.repo.putRecord",
            new { repo = account.Did, collection = Post, rkey = Tid(DateTimeOffset.UtcNow.AddMilliseconds(2)), record = new JsonObject { ["$type"] = Post, ["text"] = "hi" } }, access);
        Assert.Equal(HttpStatusCode.BadRequest, missingStatus);
        Assert.Equal("Invalid app.bsky.feed.post record: Missing required key \"createdAt\" at $.record", missing.GetProperty("message").GetString());

        // Numbers that are not integers cannot be stored at all (the repository's data model has no floats), in
        // any collection, validated or not: coordinates go in as strings.
        var floatBody = new { repo = account.Did, collection = Checkin, rkey = Tid(DateTimeOffset.UtcNow.AddMilliseconds(3)), validate = false, record = new JsonObject { ["$type"] = Checkin, ["latitude"] = 52.5097 } };
        var (floatStatus, floatError) = await Xrpc(http, "com.atproto.repo.putRecord", floatBody, access);
        log.WriteLine($"a float in a record: {(int)floatStatus} {floatError}");
        Assert.Equal(HttpStatusCode.BadRequest, floatStatus);
        Assert.Equal("InvalidRequest", floatError.GetProperty("error").GetString());

        // Any record key syntax goes in a collection the PDS has no lexicon for; $type is filled in when missing.
        var (anyStatus, anyKey) = await Xrpc(http, "com.atproto.repo.putRecord",
            new { repo = account.Did, collection = Checkin, rkey = "not-a-tid", record = new JsonObject { ["createdAt"] = createdAt } }, access);
        Assert.Equal(HttpStatusCode.OK, anyStatus);
        Assert.Equal("unknown", anyKey.GetProperty("validationStatus").GetString());
        Assert.Equal(Checkin, (await Pds.GetRecordAsync(account.Did, Checkin, "not-a-tid"))!.Value.GetProperty("value").GetProperty("$type").GetString());
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /// <summary>
    /// A TID: 64 bits (top bit 0, 53 bits of microseconds since the Unix epoch, 10 bits of clock id), as 13 characters
    /// of base32-sortable, most significant first — so TIDs sort by time as strings.
    /// </summary>
    private static string Tid(DateTimeOffset at)
    {
        var micros = (ulong)(at - DateTimeOffset.UnixEpoch).Ticks / 10;
        var value = ((micros & ((1UL << 53) - 1)) << 10) | (uint)RandomNumberGenerator.GetInt32(1024);
        var chars = new char[13];
        for (var i = 12; i >= 0; i--)
        {
            chars[i] = TidAlphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static async Task<(HttpStatusCode Status, JsonElement Body)> Xrpc(HttpClient http, string method, object? body, string? token = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri($"/xrpc/{method}", UriKind.Relative));
        if (body is not null) request.Content = Json(body);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        using var document = JsonDocument.Parse(text.Length == 0 ? "{}" : text);
        return (response.StatusCode, document.RootElement.Clone());
    }

    private static async Task<JsonElement> Upload(HttpClient http, string token, byte[] bytes, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/xrpc/com.atproto.repo.uploadBlob", UriKind.Relative));
        request.Content = new ByteArrayContent(bytes);
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"uploadBlob: {(int)response.StatusCode} {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static JsonElement JwtPayload(string jwt)
    {
        var part = jwt.Split('.')[1].Replace('-', '+').Replace('_', '/');
        part = part.PadRight(part.Length + ((4 - (part.Length % 4)) % 4), '=');
        using var document = JsonDocument.Parse(Convert.FromBase64String(part));
        return document.RootElement.Clone();
    }

    private static string Redact(JsonElement session)
    {
        var node = JsonNode.Parse(session.GetRawText())!.AsObject();
        foreach (var key in new[] { "accessJwt", "refreshJwt" })
        {
            if (node[key] is JsonNode jwt) node[key] = jwt.GetValue<string>()[..12] + "…";
        }
        return node.ToJsonString();
    }
}
