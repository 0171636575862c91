using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CsCheck;
using Herenow.Tests.Support;
using Xunit.Abstractions;

namespace Herenow.Tests.Security;

/// <summary>
/// Hostile JSON and image bodies against the REST API: never a 5xx, a problem document on every 4xx, and a refused
/// request changes nothing. CsCheck prints the seed of a failing sample; rerun it with that seed to reproduce.
/// </summary>
public sealed class FuzzApiTests(ApiHost api, ITestOutputHelper output) : IClassFixture<ApiHost>
{
    private const int Iterations = 120;
    private readonly HttpClient http = api.Http;

    private static readonly Gen<string> Username = Gen.Frequency(
        (3, Gen.Long.Select(n => FuzzGens.Quote("fz" + ((ulong)n).ToString("x16", System.Globalization.CultureInfo.InvariantCulture)[..10]))),
        (1, FuzzGens.StringLiteral));

    private static readonly Gen<string> Password = Gen.OneOf(Gen.Const(FuzzGens.Quote(ApiCalls.Password)), FuzzGens.StringLiteral);
    private static readonly Gen<string> Latitude = Gen.OneOf(Gen.Const("52.52"), FuzzGens.NumberLiteral, FuzzGens.StringLiteral);
    private static readonly Gen<string> Longitude = Gen.OneOf(Gen.Const("13.405"), FuzzGens.NumberLiteral, FuzzGens.StringLiteral);

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, string json)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    /// <summary>No 5xx; a problem document on every 4xx. Returns whether the request was refused.</summary>
    private static async Task<bool> AssertAnswered(HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        Assert.True(status < 500, $"{status} for {body}: {await response.Content.ReadAsStringAsync()}");
        if (status < 400) return false;
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        return true;
    }

    private Task Sample(Gen<string> gen, Func<string, Task> property, int iterations = Iterations) =>
        gen.SampleAsync(property, iter: iterations, threads: 1, writeLine: output.WriteLine, print: b => b);

    [Fact]
    public async Task Sign_up_with_hostile_json()
    {
        var gen = FuzzGens.Body(("username", Username), ("password", Password), ("display_name", FuzzGens.StringLiteral));
        var created = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await Sample(gen, async body =>
        {
            var response = await Send(HttpMethod.Post, "/api/v1/accounts", null, body);
            var refused = await AssertAnswered(response, body);
            if (!refused) created.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("username").GetString()!);
            if (refused && TryUsername(body) is { } username && Herenow.Api.Accounts.AccountRules.IsValidUsername(username) && !created.Contains(username))
            {
                // Refused: no account by that name came to be.
                var get = await http.GetAsync($"/api/v1/accounts/{Uri.EscapeDataString(username)}");
                Assert.True(get.StatusCode == HttpStatusCode.NotFound || response.StatusCode == HttpStatusCode.Conflict, $"{username} exists after {(int)response.StatusCode}");
            }
        });
    }

    [Fact]
    public async Task Sign_in_with_hostile_json()
    {
        await http.SignUpAsync("fzsignin");
        var gen = FuzzGens.Body(("username", Gen.OneOf(Gen.Const("\"fzsignin\""), Username)), ("password", Password));
        await Sample(gen, async body => await AssertAnswered(await Send(HttpMethod.Post, "/api/v1/sessions", null, body), body));
    }

    [Fact]
    public async Task Create_place_with_hostile_json()
    {
        var token = await http.SignUpAsync("fzplaces");
        var gen = FuzzGens.Body(("name", FuzzGens.StringLiteral), ("latitude", Latitude), ("longitude", Longitude),
            ("category", FuzzGens.StringLiteral), ("address", FuzzGens.StringLiteral));
        await Sample(gen, async body =>
        {
            var before = await api.Cluster.Database.ScalarAsync<long>("SELECT count(*) FROM places");
            var response = await Send(HttpMethod.Post, "/api/v1/places", token, body);
            var refused = await AssertAnswered(response, body);
            var after = await api.Cluster.Database.ScalarAsync<long>("SELECT count(*) FROM places");
            Assert.Equal(before + (refused ? 0 : 1), after);
        }, iterations: 60);
    }

    [Fact]
    public async Task Update_profile_with_hostile_json()
    {
        var token = await http.SignUpAsync("fzprofile");
        var federation = Gen.OneOf(
            Gen.Const("{\"activitypub\":true}"), Gen.Const("{\"activitypub\":\"yes\"}"), Gen.Const("{\"atproto\":null}"),
            Gen.Const("{\"atproto\":{\"pds_url\":\"ftp://x\",\"handle\":\"\",\"app_password\":1}}"), FuzzGens.Value(2));
        var gen = FuzzGens.Body(("display_name", FuzzGens.StringLiteral), ("note", FuzzGens.StringLiteral),
            ("default_visibility", FuzzGens.StringLiteral), ("federation", federation));
        await Sample(gen, async body =>
        {
            var before = await MeAsync(token);
            var response = await Send(HttpMethod.Patch, "/api/v1/accounts/me", token, body);
            if (await AssertAnswered(response, body))
            {
                Assert.Equal(before, await MeAsync(token));
            }
        });
    }

    [Fact]
    public async Task Check_in_with_hostile_json()
    {
        var token = await http.SignUpAsync("fzcheckins");
        var otherToken = await http.SignUpAsync("fzcheckins_other");
        var place = await http.CreatePlaceAsync(token, "Fuzz place");
        var mine = await UploadAsync(token);
        var theirs = await UploadAsync(otherToken);
        var id = Gen.OneOf(Gen.Const(FuzzGens.Quote(mine)), Gen.Const(FuzzGens.Quote(theirs)), Gen.Const("\"01ARZ3NDEKTSV4RRFFQ69G5FAV\""),
            FuzzGens.StringLiteral, FuzzGens.NumberLiteral);
        var mediaIds = Gen.OneOf(id.Array[0, 6].Select(ids => "[" + string.Join(",", ids) + "]"), FuzzGens.Value(2));
        var gen = FuzzGens.Body(("place_id", Gen.OneOf(Gen.Const(FuzzGens.Quote(place)), FuzzGens.StringLiteral, FuzzGens.NumberLiteral)),
            ("latitude", Latitude), ("longitude", Longitude), ("accuracy_m", FuzzGens.NumberLiteral),
            ("shout", FuzzGens.StringLiteral), ("visibility", FuzzGens.StringLiteral), ("media_ids", mediaIds));
        await Sample(gen, async body =>
        {
            var before = await HistoryAsync(token);
            var response = await Send(HttpMethod.Post, "/api/v1/checkins", token, body);
            var refused = await AssertAnswered(response, body);
            var after = await HistoryAsync(token);
            if (refused)
            {
                Assert.Equal(before, after);
            }
            else
            {
                var created = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
                Assert.Equal([created, .. before], after);
                // Keep the upload attachable for the next samples.
                if (body.Contains(mine, StringComparison.Ordinal)) mine = await UploadAsync(token);
            }
        });
        // The other user's upload was never attached by anyone but its uploader.
        var own = await http.CallAsync(HttpMethod.Post, "/api/v1/checkins", otherToken,
            new { place_id = place, latitude = 52.52, longitude = 13.405, media_ids = new[] { theirs } });
        Assert.Equal(HttpStatusCode.Created, own.StatusCode);
    }

    private async Task<string> MeAsync(string token) => (await http.GetJsonAsync("/api/v1/accounts/me", token)).GetRawText();

    private async Task<List<string>> HistoryAsync(string token)
    {
        var me = await http.GetJsonAsync("/api/v1/accounts/me", token);
        return (await http.GetJsonAsync($"/api/v1/accounts/{me.GetProperty("username").GetString()}/checkins?limit=40", token)).Ids().ToList();
    }

    private async Task<string> UploadAsync(string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/media") { Content = AuthzScenario.JpegForm() };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static string? TryUsername(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("username", out var u)
                && u.ValueKind == JsonValueKind.String && u.GetString() is { Length: > 0 } name ? name : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    // ---- Query strings, path segments and headers ----

    private static readonly Gen<string> QueryValue = Gen.OneOf(
        Gen.String[0, 30], Gen.Char[' ', '~'].Array[0, 80].Select(a => new string(a)), FuzzGens.NumberLiteral,
        Gen.Const("\0"), Gen.Const("\ud800"), Gen.Const("01ARZ3NDEKTSV4RRFFQ69G5FAV"), Gen.Const("-1"), Gen.Const("2147483648"),
        Gen.Const("NaN"), Gen.Const("Infinity"), Gen.Const(new string('z', 65)), Gen.Const(""));

    private static readonly string[] ListPaths =
    [
        "/api/v1/feeds/global", "/api/v1/feeds/home", "/api/v1/places/nearby", "/api/v1/accounts/fzquery/checkins",
        "/api/v1/accounts/fzquery/followers", "/api/v1/accounts/fzquery/following", "/api/v1/places/{place}/checkins",
    ];

    private static readonly string[] QueryNames = ["limit", "max_id", "since_id", "min_id", "latitude", "longitude", "radius_m", "query", "category"];

    [Fact]
    public async Task Hostile_query_strings_on_every_list()
    {
        var token = await http.SignUpAsync("fzquery");
        var place = await http.CreatePlaceAsync(token, "Fuzz query place");
        await http.CheckInAsync(token, place, "public");
        var gen = Gen.Select(Gen.Int[0, ListPaths.Length - 1],
            Gen.Select(Gen.Int[0, QueryNames.Length - 1], QueryValue).Array[0, 6], Gen.Bool);
        await gen.SampleAsync(async (which, parameters, withToken) =>
        {
            var query = string.Join("&", parameters.Select(p => $"{QueryNames[p.Item1]}={Uri.EscapeDataString(p.Item2)}"));
            var path = ListPaths[which].Replace("{place}", place, StringComparison.Ordinal) + "?" + query;
            var response = await http.CallAsync(HttpMethod.Get, path, withToken ? token : null);
            await AssertAnswered(response, path);
        }, iter: Iterations, threads: 1, writeLine: output.WriteLine);
    }

    /// <summary>Found by <see cref="Hostile_query_strings_on_every_list"/>: a NUL in a paging id reached PostgreSQL and was a 500.</summary>
    [Fact]
    public async Task A_paging_id_with_a_control_character_is_422_on_every_list()
    {
        var token = await http.SignUpAsync("fzpaging");
        var place = await http.CreatePlaceAsync(token, "Fuzz paging place");
        foreach (var list in ListPaths.Where(p => !p.Contains("nearby", StringComparison.Ordinal)))
        {
            foreach (var name in new[] { "max_id", "since_id", "min_id" })
            {
                var path = list.Replace("{place}", place, StringComparison.Ordinal).Replace("fzquery", "fzpaging", StringComparison.Ordinal) + $"?{name}=%00";
                var problem = await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Get, path, token), HttpStatusCode.UnprocessableEntity);
                Assert.True(problem.Errors.ContainsKey(name), path);
            }
        }
    }

    private static readonly string[] SegmentPaths =
    [
        "/api/v1/checkins/{x}", "/api/v1/places/{x}", "/api/v1/places/{x}/checkins", "/api/v1/accounts/{x}", "/api/v1/accounts/{x}/checkins",
        "/api/v1/accounts/{x}/followers", "/api/v1/media/{x}", "/media/{x}",
    ];

    private static readonly string[] SegmentWrites =
    [
        "POST /api/v1/accounts/{x}/follow", "DELETE /api/v1/accounts/{x}/follow", "POST /api/v1/accounts/{x}/block",
        "DELETE /api/v1/accounts/{x}/block", "DELETE /api/v1/checkins/{x}", "POST /api/v1/checkins/{x}/like", "DELETE /api/v1/checkins/{x}/like",
    ];

    private static readonly Gen<string> Segment = Gen.OneOf(
        Gen.String[1, 40], Gen.Char[' ', '~'].Array[1, 80].Select(a => new string(a)), Gen.Const("x@127.0.0.1:9"), Gen.Const("x@localhost"),
        Gen.Const("@"), Gen.Const("a@"), Gen.Const("@b"), Gen.Const("x@y@z"), Gen.Const("..."), Gen.Const(new string('a', 300)),
        Gen.Const("01ARZ3NDEKTSV4RRFFQ69G5FAV"), Gen.Const("00000000000000000000000000"), Gen.Const("ZZZZZZZZZZZZZZZZZZZZZZZZZZ"),
        Gen.Const(new string('f', 64) + ".jpg"), Gen.Const("geonames-99999999999999999999"));

    [Fact]
    public async Task Hostile_path_segments_on_every_route()
    {
        var token = await http.SignUpAsync("fzsegments");
        var gen = Gen.Select(Gen.Int[0, SegmentPaths.Length + SegmentWrites.Length - 1], Segment, Gen.Bool);
        await gen.SampleAsync(async (which, segment, withToken) =>
        {
            var (method, template) = which < SegmentPaths.Length
                ? (HttpMethod.Get, SegmentPaths[which])
                : (new HttpMethod(SegmentWrites[which - SegmentPaths.Length].Split(' ')[0]), SegmentWrites[which - SegmentPaths.Length].Split(' ')[1]);
            // NUL in a path is refused by the server (Kestrel: 400) and cannot even be sent through the test server.
            var path = template.Replace("{x}", Uri.EscapeDataString(segment.Replace("\0", "", StringComparison.Ordinal)), StringComparison.Ordinal);
            var response = await http.CallAsync(method, path, withToken ? token : null);
            await AssertAnswered(response, $"{method} {path}");
        }, iter: Iterations, threads: 1, writeLine: output.WriteLine);
    }

    /// <summary>Idempotency-Key on creating POSTs and Last-Event-ID on streams: any printable value is answered, never a 5xx.</summary>
    [Fact]
    public async Task Hostile_idempotency_keys_and_last_event_ids()
    {
        var token = await http.SignUpAsync("fzheaders");
        var value = Gen.OneOf(Gen.Char[' ', '~'].Array[0, 300].Select(a => new string(a)), Gen.Const("\"\""), Gen.Const("\""),
            Gen.Const("01ARZ3NDEKTSV4RRFFQ69G5FAV"), Gen.Const(new string('k', 256)));
        await Gen.Select(value, Gen.Int[0, 2]).SampleAsync(async (header, which) =>
        {
            using var request = which switch
            {
                0 => new HttpRequestMessage(HttpMethod.Post, "/api/v1/places")
                {
                    Content = JsonContent.Create(new { name = "Keyed place", latitude = 52.52, longitude = 13.405 }),
                },
                1 => new HttpRequestMessage(HttpMethod.Post, "/api/v1/checkins") { Content = JsonContent.Create(new { place_id = "nope" }) },
                _ => new HttpRequestMessage(HttpMethod.Get, "/api/v1/streaming/global"),
            };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.TryAddWithoutValidation(which == 2 ? "Last-Event-ID" : Herenow.Api.Idempotency.IdempotencyKey.HeaderName, header);
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            var status = (int)response.StatusCode;
            Assert.True(status < 500, $"{status} for {header}");
            if (status >= 400) Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }, iter: 80, threads: 1, writeLine: output.WriteLine);
    }

    // ---- Images ----

    private static readonly Lazy<(byte[] Jpeg, byte[] Png, byte[] WebP)> Valid = new(() =>
    {
        using var image = TestImages.Gradient(48, 32);
        return (TestImages.Jpeg(image), TestImages.Png(image), TestImages.WebP(image));
    });

    /// <summary>Random bytes, and valid images with bytes flipped, overwritten, cut off, or spliced into each other.</summary>
    private static readonly Gen<(byte[] File, string ContentType)> Images = Gen.Select(
        Gen.Frequency(
            (1, Gen.Byte.Array[1, 3000]),
            (4, Gen.Select(Gen.Int[0, 2], Gen.Select(Gen.Int[0, 100_000], Gen.Byte).Array[1, 12], Gen.Int[0, 100]).Select((which, edits, cut) =>
            {
                var (jpeg, png, webp) = Valid.Value;
                var bytes = (byte[])(which switch { 0 => jpeg, 1 => png, _ => webp }).Clone();
                foreach (var (at, value) in edits) bytes[at % bytes.Length] = value;
                return cut < 30 ? bytes[..Math.Max(1, bytes.Length * cut / 30)] : bytes;
            })),
            (1, Gen.Select(Gen.Int[0, 2], Gen.Int[1, 200]).Select((which, n) =>
            {
                var (jpeg, png, webp) = Valid.Value;
                var head = which switch { 0 => jpeg, 1 => png, _ => webp };
                var tail = which switch { 0 => png, 1 => webp, _ => jpeg };
                return (byte[])[.. head.AsSpan(0, Math.Min(n, head.Length)), .. tail.AsSpan(Math.Min(n, tail.Length))];
            }))),
        Gen.OneOf(Gen.Const("image/jpeg"), Gen.Const("image/png"), Gen.Const("image/webp"), Gen.Const("application/octet-stream"), Gen.Const("text/plain")));

    [Fact]
    public async Task Upload_hostile_images()
    {
        var token = await http.SignUpAsync("fzmedia");
        await Images.SampleAsync(async sample =>
        {
            var (file, contentType) = sample;
            var before = await Counts();
            using var form = new MultipartFormDataContent();
            var part = new ByteArrayContent(file);
            part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            form.Add(part, "file", "fuzz.bin");
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/media") { Content = form };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await http.SendAsync(request);
            var status = (int)response.StatusCode;
            Assert.True(status is 201 or 400 or 413 or 415 or 422, $"{status}: {await response.Content.ReadAsStringAsync()}");
            var after = await Counts();
            if (status == 201)
            {
                // A mutation libvips still decodes is a valid image: stored once, re-encoded.
                Assert.Equal(before.Media + 1, after.Media);
                return;
            }
            await ProblemAssert.IsProblem(response, (HttpStatusCode)status);
            Assert.Equal(before, after);
        }, iter: 40, threads: 1, writeLine: output.WriteLine,
            print: s => $"{s.ContentType} {s.File.Length} bytes: {Convert.ToHexString(s.File.AsSpan(0, Math.Min(64, s.File.Length)))}");
    }

    /// <summary>Multipart forms gone wrong: odd descriptions (NUL, lone surrogates, long), repeated or missing parts, a broken body.</summary>
    [Fact]
    public async Task Upload_hostile_multipart_forms()
    {
        var token = await http.SignUpAsync("fzforms");
        var description = Gen.OneOf(Gen.String[0, 60], Gen.Const("a\0b"), Gen.Const("\ud800"), Gen.Const(new string('d', 1501)), Gen.Const(""));
        var gen = Gen.Select(description.Array[0, 3], Gen.Int[0, 3], Gen.OneOf(Gen.Const("file"), Gen.Const("File"), Gen.Const("photo"), Gen.Const("_")),
            Gen.Int[0, 5]);
        await gen.SampleAsync(async (descriptions, files, fileField, breakage) =>
        {
            var before = await Counts();
            var form = new MultipartFormDataContent("fuzz-boundary");
            for (var i = 0; i < files; i++)
            {
                var part = new ByteArrayContent(Valid.Value.Jpeg);
                part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
                form.Add(part, fileField, "photo.jpg");
            }
            foreach (var d in descriptions) form.Add(new StringContent(d), "description");
            HttpContent content = form;
            if (breakage == 0)
            {
                // Cut off mid-body.
                var bytes = await form.ReadAsByteArrayAsync();
                content = new ByteArrayContent(bytes[..(bytes.Length / 2)]);
                content.Headers.ContentType = form.Headers.ContentType;
            }
            else if (breakage == 1)
            {
                content = new ByteArrayContent(await form.ReadAsByteArrayAsync());
                content.Headers.TryAddWithoutValidation("Content-Type", "multipart/form-data; boundary=\"other\"");
            }
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/media") { Content = content };
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var response = await http.SendAsync(request);
            var status = (int)response.StatusCode;
            Assert.True(status is 201 or 400 or 413 or 415 or 422, $"{status}: {await response.Content.ReadAsStringAsync()}");
            if (status == 201) return;
            await ProblemAssert.IsProblem(response, (HttpStatusCode)status);
            Assert.Equal(before, await Counts());
        }, iter: 60, threads: 1, writeLine: output.WriteLine);
    }

    /// <summary>Found by <see cref="Upload_hostile_multipart_forms"/>: a body cut off before its closing boundary was a 500.</summary>
    [Fact]
    public async Task A_truncated_multipart_body_is_400_and_stores_nothing()
    {
        var token = await http.SignUpAsync("fztruncated");
        var before = await Counts();
        using var form = AuthzScenario.JpegForm();
        var bytes = await form.ReadAsByteArrayAsync();
        var content = new ByteArrayContent(bytes[..(bytes.Length / 2)]);
        content.Headers.ContentType = form.Headers.ContentType;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/media") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        await ProblemAssert.IsProblem(await http.SendAsync(request), HttpStatusCode.BadRequest);
        Assert.Equal(before, await Counts());
    }

    [Theory]
    [InlineData("nul \u0000 inside")]
    [InlineData("lone \ud800 surrogate")]
    [InlineData("bell \u0007")]
    public async Task An_odd_description_is_never_a_5xx(string description)
    {
        var token = await http.SignUpAsync("fzdescription");
        var before = await Counts();
        using var form = AuthzScenario.JpegForm();
        form.Add(new StringContent(description), "description");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/media") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await http.SendAsync(request);
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.UnprocessableEntity,
            $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        if (response.StatusCode == HttpStatusCode.UnprocessableEntity) Assert.Equal(before, await Counts());
    }

    /// <summary>A NUL in every free-text field: refused or stored, never a 5xx (PostgreSQL refuses NUL in text).</summary>
    [Fact]
    public async Task A_nul_in_any_free_text_field_is_never_a_5xx()
    {
        var token = await http.SignUpAsync("fznul");
        var place = await http.CreatePlaceAsync(token, "Fuzz NUL place");
        const string Nul = "a\u0000b";
        var requests = new (HttpMethod Method, string Path, object Body)[]
        {
            (HttpMethod.Post, "/api/v1/accounts", new { username = "fznul_new", password = ApiCalls.Password, display_name = Nul }),
            (HttpMethod.Post, "/api/v1/accounts", new { username = "fznul_new", password = "0123456789" + Nul }),
            (HttpMethod.Post, "/api/v1/sessions", new { username = "fznul", password = ApiCalls.Password + Nul }),
            (HttpMethod.Patch, "/api/v1/accounts/me", new { note = Nul }),
            (HttpMethod.Patch, "/api/v1/accounts/me", new { display_name = Nul }),
            (HttpMethod.Post, "/api/v1/places", new { name = Nul, latitude = 52.52, longitude = 13.405 }),
            (HttpMethod.Post, "/api/v1/places", new { name = "ok", latitude = 52.52, longitude = 13.405, category = Nul, address = Nul }),
            (HttpMethod.Post, "/api/v1/checkins", new { place_id = place, latitude = 52.52, longitude = 13.405, shout = Nul }),
            (HttpMethod.Post, "/api/v1/checkins", new { place_id = place + Nul, latitude = 52.52, longitude = 13.405 }),
        };
        var failures = new List<string>();
        foreach (var (method, path, body) in requests)
        {
            var response = await http.CallAsync(method, path, token, body);
            if ((int)response.StatusCode >= 500) failures.Add($"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        // What was stored reads back.
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Get, "/api/v1/accounts/fznul/checkins", token)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Get, "/api/v1/accounts/me", token)).StatusCode);
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    private async Task<(long Media, long Blobs)> Counts() => (
        await api.Cluster.Database.ScalarAsync<long>("SELECT count(*) FROM media"),
        await api.Cluster.Database.ScalarAsync<long>("SELECT count(*) FROM media_blobs"));
}
