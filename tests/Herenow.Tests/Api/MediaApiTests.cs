using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Herenow.Api.Checkins;
using Herenow.Api.Idempotency;
using Herenow.Api.Media;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using NetVips;
using Npgsql;

namespace Herenow.Tests.Api;

/// <summary>
/// Photos through the real API: upload, what is stored and served (no location metadata, upright), what is refused
/// (and leaves nothing behind), caching, check-ins carrying them, and the clean-up of unattached ones.
/// </summary>
public sealed class MediaApiTests(ApiHost api) : IClassFixture<ApiHost>
{
    private readonly HttpClient http = api.Http;

    private static MultipartFormDataContent Form(byte[] file, string fileName, string contentType, string? description = null,
        string? boundary = null)
    {
        var form = boundary is null ? new MultipartFormDataContent() : new MultipartFormDataContent(boundary);
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(part, "file", fileName);
        if (description is not null) form.Add(new StringContent(description), "description");
        return form;
    }

    private async Task<HttpResponseMessage> Upload(string? token, HttpContent content, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/media") { Content = content };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null) request.Headers.TryAddWithoutValidation(IdempotencyKey.HeaderName, idempotencyKey);
        return await http.SendAsync(request);
    }

    private async Task<MediaResponse> UploadOk(string token, byte[] file, string fileName = "IMG_0001.jpg",
        string contentType = "image/jpeg", string? description = null)
    {
        var response = await Upload(token, Form(file, fileName, contentType, description));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<MediaResponse>();
    }

    private async Task<(long Media, long Blobs)> Counts() => (
        await api.Cluster.Database.ScalarAsync<long>("SELECT count(*) FROM media"),
        await api.Cluster.Database.ScalarAsync<long>("SELECT count(*) FROM media_blobs"));

    private async Task<byte[]> Fetch(string url)
    {
        var response = await http.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsByteArrayAsync();
    }

    private static void AssertNoMetadata(byte[] served)
    {
        foreach (var needle in new[]
                 {
                     "Exif\0\0", TestImages.XmpMarker, "ns.adobe.com", "GPSLatitude", "Photoshop 3.0", "8BIM",
                     TestImages.CameraMake, TestImages.CommentText, TestImages.IptcCity, "ICC_PROFILE",
                 })
        {
            Assert.True(served.AsSpan().IndexOf(Encoding.ASCII.GetBytes(needle)) < 0, $"served bytes contain \"{needle.TrimEnd('\0')}\"");
        }
        Assert.True(served.AsSpan().IndexOf(TestImages.RationalBytes(TestImages.Latitude)) < 0, "served bytes contain the GPS latitude");
        Assert.True(served.AsSpan().IndexOf(TestImages.RationalBytes(TestImages.Longitude)) < 0, "served bytes contain the GPS longitude");

        if (served is [0xFF, 0xD8, ..])
        {
            // Before the image data: only JFIF (APP0), tables, frame and scan headers. No APP1 (EXIF, XMP), APP2 (ICC),
            // APP13 (IPTC) or COM segment.
            var markers = TestImages.JpegMarkers(served);
            Assert.Equal(0xDA, markers[^1]);
            Assert.All(markers, m => Assert.Contains(m, new byte[] { 0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDD, 0xDA }));
        }
        // And decoded: libvips finds no metadata block of any kind.
        using var image = Image.NewFromBuffer(served);
        var fields = image.GetFields();
        Assert.DoesNotContain(fields, f => f is "exif-data" or "xmp-data" or "iptc-data" or "icc-profile-data" or "orientation"
                                           || f.StartsWith("exif-", StringComparison.Ordinal) || f.StartsWith("jpeg-comment", StringComparison.Ordinal));
    }

    private static (int Width, int Height, double[] Pixel) Decode(byte[] bytes, int x, int y)
    {
        using var image = Image.NewFromBuffer(bytes);
        return (image.Width, image.Height, image.Getpoint(x, y));
    }

    [Fact]
    public async Task Phone_photo_with_gps_exif_xmp_iptc_is_stored_and_served_without_any_of_it()
    {
        var token = await http.SignUpAsync("photo_ana");
        using var photo = TestImages.Gradient(4032, 3024);
        var upload = TestImages.WithPhoneMetadata(TestImages.Jpeg(photo));
        Assert.True(upload.AsSpan().IndexOf("Exif\0\0"u8) > 0); // the test's own input does carry it

        var media = await UploadOk(token, upload, description: "Flat white on the terrace");

        Assert.Equal("image", media.Type);
        Assert.Equal("Flat white on the terrace", media.Description);
        Assert.Equal(1280, media.Width);
        Assert.Equal(960, media.Height);
        Assert.Matches("^[0-9A-Za-z#$%*+,\\-.:;=?@\\[\\]^_{|}~]{28}$", media.Blurhash);
        var display = await Fetch(media.Url);
        var preview = await Fetch(media.PreviewUrl);
        AssertNoMetadata(display);
        AssertNoMetadata(preview);
        Assert.Equal((1280, 960), (Decode(display, 0, 0).Width, Decode(display, 0, 0).Height));
        Assert.Equal((320, 240), (Decode(preview, 0, 0).Width, Decode(preview, 0, 0).Height));
        Assert.True(display.Length < upload.Length);
    }

    [Fact]
    public async Task Exif_orientation_6_is_applied_so_the_stored_image_stands_upright()
    {
        var token = await http.SignUpAsync("photo_ben");
        // Stored landscape, 400x200, blue with a red top-left corner; orientation 6 says "turn 90° clockwise to view".
        using var blue = TestImages.Solid(400, 200, 0, 0, 255);
        using var red = TestImages.Solid(80, 80, 255, 0, 0);
        using var stored = blue.Insert(red, 0, 0);
        var upload = TestImages.WithPhoneMetadata(TestImages.Jpeg(stored, 95), orientation: 6);

        var media = await UploadOk(token, upload);

        Assert.Equal(200, media.Width);
        Assert.Equal(400, media.Height);
        var display = await Fetch(media.Url);
        // Turned clockwise, the stored top-left corner is now the top-right one.
        var (width, height, topRight) = Decode(display, 200 - 20, 20);
        var (_, _, topLeft) = Decode(display, 20, 20);
        Assert.Equal((200, 400), (width, height));
        Assert.True(topRight[0] > 200 && topRight[1] < 60 && topRight[2] < 60, $"top right should be red: {string.Join(',', topRight)}");
        Assert.True(topLeft[2] > 200 && topLeft[0] < 60, $"top left should be blue: {string.Join(',', topLeft)}");
        AssertNoMetadata(display);
    }

    [Fact]
    public async Task Small_images_are_not_enlarged_and_transparency_keeps_png_while_opaque_png_and_webp_become_jpeg()
    {
        var token = await http.SignUpAsync("photo_cem");
        using var small = TestImages.Gradient(200, 100);
        using var alpha = (Image.Black(200, 100) + 128).Cast(Enums.BandFormat.Uchar);
        using var translucent = small.Bandjoin(alpha).Copy(interpretation: Enums.Interpretation.Srgb);

        var jpeg = await UploadOk(token, TestImages.Jpeg(small));
        var png = await UploadOk(token, TestImages.Png(translucent), "sticker.png", "image/png");
        var opaquePng = await UploadOk(token, TestImages.Png(small), "screenshot.png", "image/png");
        var webp = await UploadOk(token, TestImages.WebP(TestImages.Gradient(1600, 1200)), "photo.webp", "image/webp");

        Assert.Equal((200, 100), (jpeg.Width, jpeg.Height));
        Assert.EndsWith(".png", png.Url);
        Assert.EndsWith(".jpg", opaquePng.Url);
        Assert.EndsWith(".jpg", webp.Url);
        Assert.Equal((1280, 960), (webp.Width, webp.Height));
        var served = await http.GetAsync(png.Url);
        Assert.Equal("image/png", served.Content.Headers.ContentType?.MediaType);
        using var decoded = Image.NewFromBuffer(await served.Content.ReadAsByteArrayAsync());
        Assert.True(decoded.HasAlpha());
    }

    [Fact]
    public async Task A_colour_profile_is_applied_before_it_is_dropped()
    {
        var token = await http.SignUpAsync("photo_cal");
        // Pure sRGB red, stored as Display P3 values with the P3 profile embedded (as a phone does).
        using var red = TestImages.Solid(64, 64, 255, 0, 0);
        using var p3 = red.IccTransform("p3", inputProfile: "srgb");
        var upload = p3.JpegsaveBuffer(q: 95, keep: Enums.ForeignKeep.Icc);
        using (var stored = Image.NewFromBuffer(upload))
        {
            Assert.True(stored.Getpoint(8, 8)[0] < 245); // P3 red is not 255,0,0 in P3 numbers
        }

        var media = await UploadOk(token, upload);

        var display = await Fetch(media.Url);
        AssertNoMetadata(display);
        var (_, _, pixel) = Decode(display, 8, 8);
        Assert.True(pixel[0] > 245 && pixel[1] < 15 && pixel[2] < 15, $"sRGB red expected: {string.Join(',', pixel)}");
    }

    [Fact]
    public async Task The_file_is_judged_by_its_bytes_not_its_name_or_declared_type()
    {
        var token = await http.SignUpAsync("photo_dan");
        using var image = TestImages.Gradient(300, 200);

        var media = await UploadOk(token, TestImages.Jpeg(image), "holiday.png", "image/png");

        Assert.EndsWith(".jpg", media.Url);
    }

    /// <summary>Built in the test, not in the theory data: xunit would keep a 10 MB argument in its discovery cache.</summary>
    private static (byte[] File, string ContentType) RefusedFile(string what)
    {
        using var image = TestImages.Gradient(800, 600);
        var jpeg = TestImages.Jpeg(image);
        switch (what)
        {
            case "text":
                return (Encoding.UTF8.GetBytes("hello, I am not a photo\n"), "image/jpeg");
            case "gif":
                return ([.. "GIF89a"u8, 1, 0, 1, 0, 0x80, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0x3B], "image/gif");
            case "truncated":
                return (jpeg[..(jpeg.Length * 6 / 10)], "image/jpeg");
            case "garbage":
                return ([0xFF, 0xD8, 0xFF, .. RandomNumberGenerator.GetBytes(5000)], "image/jpeg");
            case "bomb":
                return (TestImages.PngHeaderClaiming(10_000, 5_000), "image/png");
            default:
                var oversized = new byte[MediaLimits.MaxFileBytes + 1];
                jpeg.CopyTo(oversized, 0);
                return (oversized, "image/jpeg");
        }
    }

    [Theory]
    [InlineData("text", HttpStatusCode.UnsupportedMediaType)]       // a text file named .jpg, declared image/jpeg
    [InlineData("gif", HttpStatusCode.UnsupportedMediaType)]        // a real image, of a type not accepted
    [InlineData("truncated", HttpStatusCode.UnprocessableEntity)]   // a JPEG cut off at 60 %
    [InlineData("garbage", HttpStatusCode.UnprocessableEntity)]     // JPEG magic, then random bytes
    [InlineData("bomb", HttpStatusCode.UnprocessableEntity)]        // a PNG header claiming 10000x5000 (50 MP)
    [InlineData("oversized", HttpStatusCode.RequestEntityTooLarge)] // 10 MiB + 1 byte
    public async Task Refused_uploads_are_problems_and_store_nothing(string what, HttpStatusCode expected)
    {
        var token = await http.SignUpAsync("photo_eve");
        var (file, contentType) = RefusedFile(what);
        var before = await Counts();

        var response = await Upload(token, Form(file, "IMG_0002.jpg", contentType));

        var problem = await ProblemAssert.IsProblem(response, expected);
        Assert.False(string.IsNullOrEmpty(problem.Detail), what);
        Assert.Equal(before, await Counts());
    }

    [Fact]
    public async Task A_bomb_is_refused_from_its_header_as_too_large()
    {
        var token = await http.SignUpAsync("photo_fay");

        var response = await Upload(token, Form(TestImages.PngHeaderClaiming(10_000, 5_000), "bomb.png", "image/png"));

        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity);
        Assert.Equal("Image too large", problem.Title);
        Assert.Contains("10000x5000", problem.Detail);
    }

    [Fact]
    public async Task Form_errors_are_problems_and_store_nothing()
    {
        var token = await http.SignUpAsync("photo_gil");
        using var image = TestImages.Gradient(100, 100);
        var jpeg = TestImages.Jpeg(image);
        var before = await Counts();

        var tooLong = await Upload(token, Form(jpeg, "a.jpg", "image/jpeg", new string('x', MediaLimits.MaxDescriptionLength + 1)));
        var noFile = new MultipartFormDataContent { { new StringContent("just words"), "description" } };
        var missing = await Upload(token, noFile);
        var json = await Upload(token, JsonContent.Create(new { file = "base64?" }));
        var anonymous = await Upload(null, Form(jpeg, "a.jpg", "image/jpeg"));

        var problem = await ProblemAssert.IsProblem(tooLong, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("description", problem.Errors.Keys);
        problem = await ProblemAssert.IsProblem(missing, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("file", problem.Errors.Keys);
        await ProblemAssert.IsProblem(json, HttpStatusCode.UnsupportedMediaType);
        await ProblemAssert.IsProblem(anonymous, HttpStatusCode.Unauthorized);
        Assert.Equal(before, await Counts());
        // Exactly 1500 characters is fine.
        await UploadOk(token, jpeg, description: new string('x', MediaLimits.MaxDescriptionLength));
    }

    [Fact]
    public async Task Served_files_have_content_type_strong_etag_immutable_caching_and_304()
    {
        var token = await http.SignUpAsync("photo_hal");
        using var image = TestImages.Gradient(640, 480);
        var media = await UploadOk(token, TestImages.Jpeg(image));
        var url = media.Url;

        var response = await http.GetAsync(url);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"\"{hash}\"", response.Headers.ETag?.Tag);
        Assert.False(response.Headers.ETag!.IsWeak);
        Assert.EndsWith($"/media/{hash}.jpg", url);
        Assert.Equal("public, max-age=31536000, immutable", response.Headers.CacheControl?.ToString());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());

        foreach (var ifNoneMatch in new[] { $"\"{hash}\"", $"W/\"{hash}\"", $"\"other\", \"{hash}\"", "*" })
        {
            using var conditional = new HttpRequestMessage(HttpMethod.Get, url);
            conditional.Headers.TryAddWithoutValidation("If-None-Match", ifNoneMatch);
            var notModified = await http.SendAsync(conditional);
            Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
            Assert.Equal($"\"{hash}\"", notModified.Headers.ETag?.Tag);
            Assert.Equal("public, max-age=31536000, immutable", notModified.Headers.CacheControl?.ToString());
            Assert.Empty(await notModified.Content.ReadAsByteArrayAsync());
        }
        using var stale = new HttpRequestMessage(HttpMethod.Get, url);
        stale.Headers.TryAddWithoutValidation("If-None-Match", "\"0000\"");
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(stale)).StatusCode);
        using var head = new HttpRequestMessage(HttpMethod.Head, url);
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(head)).StatusCode);

        await ProblemAssert.IsProblem(await http.GetAsync($"/media/{new string('a', 64)}.jpg"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await http.GetAsync("/media/not-a-key.jpg"), HttpStatusCode.NotFound);
        await ProblemAssert.IsProblem(await http.GetAsync($"/media/{hash}.png"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Owner_reads_their_upload_others_get_404()
    {
        var ivy = await http.SignUpAsync("photo_ivy");
        var jon = await http.SignUpAsync("photo_jon");
        using var image = TestImages.Gradient(120, 90);
        var id = (await UploadOk(ivy, TestImages.Jpeg(image), description: "alt")).Id;

        Assert.Equal("alt", (await http.GetAsync<MediaResponse>($"/api/v1/media/{id}", ivy)).Description);
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Get, $"/api/v1/media/{id}", jon), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task An_upload_repeated_with_the_same_idempotency_key_returns_the_first_media()
    {
        var token = await http.SignUpAsync("photo_kai");
        using var image = TestImages.Gradient(300, 300);
        var jpeg = TestImages.Jpeg(image);
        var before = await Counts();

        var first = await Upload(token, Form(jpeg, "a.jpg", "image/jpeg", "same", boundary: "herenow-test-boundary"), "upload-1");
        var second = await Upload(token, Form(jpeg, "a.jpg", "image/jpeg", "same", boundary: "herenow-test-boundary"), "upload-1");

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues(IdempotencyMiddleware.ReplayedHeader).Single());
        Assert.Equal((await first.ReadAsync<MediaResponse>()).Id, (await second.ReadAsync<MediaResponse>()).Id);
        Assert.Equal(before.Media + 1, (await Counts()).Media);
    }

    private async Task<string> Place(string token) => await http.CreatePlaceAsync(token, "Café Photo");

    private async Task<HttpResponseMessage> CheckIn(string token, string place, params string[] mediaIds) =>
        await http.CallAsync(HttpMethod.Post, "/api/v1/checkins", token,
            new { place_id = place, latitude = 52.5200, longitude = 13.4050, shout = "look", visibility = "public", media_ids = mediaIds });

    [Fact]
    public async Task Media_on_a_checkin_show_with_preview_in_every_feed_and_by_id()
    {
        var lea = await http.SignUpAsync("photo_lea");
        var max = await http.SignUpAsync("photo_max");
        await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/photo_lea/follow", max);
        using var first = TestImages.Gradient(1600, 900);
        using var second = TestImages.Gradient(600, 800);
        var a = await UploadOk(lea, TestImages.Jpeg(first), description: "the terrace");
        var b = await UploadOk(lea, TestImages.Jpeg(second));
        var place = await Place(lea);

        var created = await CheckIn(lea, place, a.Id, b.Id);

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var checkin = await created.ReadAsync<CheckinResponse>();
        var id = checkin.Id;
        AssertMedia(checkin, a, b);
        var feed = await Eventually.Value(() => http.CheckinsAsync("/api/v1/feeds/home", max), f => f.Ids().Contains(id),
            $"photo_max's home feed holds {id}");
        var home = feed.Single(c => c.Id == id);
        AssertMedia(home, a, b);
        AssertMedia(await http.GetAsync<CheckinResponse>($"/api/v1/checkins/{id}"), a, b);
        AssertMedia((await http.CheckinsAsync("/api/v1/accounts/photo_lea/checkins", null))[0], a, b);
        AssertMedia((await http.CheckinsAsync($"/api/v1/places/{place}/checkins", null))[0], a, b);
        var preview = await http.GetAsync(home.Media[0].PreviewUrl);
        Assert.Equal(HttpStatusCode.OK, preview.StatusCode);
        Assert.Equal("image/jpeg", preview.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>The check-in carries the uploads as they were answered, every field, in order.</summary>
    private static void AssertMedia(CheckinResponse checkin, params MediaResponse[] uploads) =>
        Assert.Equal(uploads, checkin.Media);

    [Fact]
    public async Task Five_media_someone_elses_attached_unknown_or_repeated_media_are_422_and_nothing_is_attached()
    {
        var nia = await http.SignUpAsync("photo_nia");
        var oto = await http.SignUpAsync("photo_oto");
        using var image = TestImages.Gradient(160, 120);
        var jpeg = TestImages.Jpeg(image);
        var mine = new List<string>();
        for (var i = 0; i < 5; i++) mine.Add((await UploadOk(nia, jpeg)).Id);
        var theirs = (await UploadOk(oto, jpeg)).Id;
        var place = await Place(nia);
        var used = (await UploadOk(nia, jpeg)).Id;
        Assert.Equal(HttpStatusCode.Created, (await CheckIn(nia, place, used)).StatusCode);

        var five = await CheckIn(nia, place, [.. mine]);
        var foreign = await CheckIn(nia, place, mine[0], theirs);
        var attached = await CheckIn(nia, place, mine[0], used);
        var unknown = await CheckIn(nia, place, mine[0], "01ARZ3NDEKTSV4RRFFQ69G5FAV");
        var repeated = await CheckIn(nia, place, mine[0], mine[0]);

        foreach (var (response, says) in new[]
                 {
                     (five, "at most 4"), (foreign, "no such media"), (attached, "already attached"),
                     (unknown, "no such media"), (repeated, "twice"),
                 })
        {
            var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity);
            Assert.Contains(problem.Errors["media_ids"], m => m.Contains(says, StringComparison.Ordinal));
        }
        Assert.Single(await http.CheckinsAsync("/api/v1/accounts/photo_nia/checkins", nia));
        Assert.Equal(0L, await api.Cluster.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM media WHERE checkin_id IS NOT NULL AND id <> '{used}' AND owner IN ('photo_nia', 'photo_oto')"));
        // The refused ones are still free: four of them make a check-in.
        Assert.Equal(HttpStatusCode.Created, (await CheckIn(nia, place, [.. mine.Take(4)])).StatusCode);
    }

    [Fact]
    public async Task Unattached_media_older_than_the_lifetime_are_removed_with_their_blobs_and_attached_ones_stay()
    {
        var pia = await http.SignUpAsync("photo_pia");
        using var shared = TestImages.Gradient(333, 222);
        using var other = TestImages.Gradient(222, 333);
        var oldCopy = await UploadOk(pia, TestImages.Jpeg(shared));
        var newCopy = await UploadOk(pia, TestImages.Jpeg(shared));        // the same bytes: the same blobs
        var attached = await UploadOk(pia, TestImages.Jpeg(other));
        var place = await Place(pia);
        Assert.Equal(HttpStatusCode.Created, (await CheckIn(pia, place, attached.Id)).StatusCode);
        Assert.Equal(oldCopy.Url, newCopy.Url);
        await Backdate(oldCopy, attached);
        var cleanup = api.Services.GetRequiredService<MediaCleanup>();

        Assert.True(await cleanup.RunOnceAsync(CancellationToken.None) >= 1);

        Assert.False(await Exists(oldCopy));
        Assert.True(await Exists(newCopy));
        Assert.True(await Exists(attached));
        // Still referenced by the newer copy: served.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(oldCopy.Url)).StatusCode);

        await Backdate(newCopy);
        await cleanup.RunOnceAsync(CancellationToken.None);

        Assert.False(await Exists(newCopy));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(newCopy.Url)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(newCopy.PreviewUrl)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(attached.Url)).StatusCode);
    }

    [Fact]
    public async Task A_deleted_checkin_gives_its_media_back_and_the_cleanup_takes_them_once_old()
    {
        var qed = await http.SignUpAsync("photo_qed");
        using var image = TestImages.Gradient(180, 120);
        var media = await UploadOk(qed, TestImages.Jpeg(image));
        var mediaId = media.Id;
        var place = await Place(qed);
        var checkin = (await (await CheckIn(qed, place, mediaId)).ReadAsync<CheckinResponse>()).Id;

        Assert.Equal(HttpStatusCode.NoContent, (await http.CallAsync(HttpMethod.Delete, $"/api/v1/checkins/{checkin}", qed)).StatusCode);

        // Delete and redraft: the photo can go on a new check-in.
        var redraft = await CheckIn(qed, place, mediaId);
        Assert.Equal(HttpStatusCode.Created, redraft.StatusCode);
        var second = (await redraft.ReadAsync<CheckinResponse>()).Id;
        Assert.Equal(HttpStatusCode.NoContent, (await http.CallAsync(HttpMethod.Delete, $"/api/v1/checkins/{second}", qed)).StatusCode);
        await Backdate(media);
        await api.Services.GetRequiredService<MediaCleanup>().RunOnceAsync(CancellationToken.None);
        Assert.False(await Exists(media));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(media.Url)).StatusCode);
    }

    [Fact]
    public async Task Only_one_instance_runs_the_cleanup_at_a_time()
    {
        await using var dataSource = NpgsqlDataSource.Create(api.Cluster.Database.ConnectionString);
        await using var connection = await dataSource.OpenConnectionAsync();
        await using (var hold = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
        {
            hold.Parameters.AddWithValue("key", MediaCleanup.AdvisoryLockKey);
            await hold.ExecuteNonQueryAsync();
        }
        try
        {
            Assert.Null(await api.Services.GetRequiredService<MediaCleanup>().RunOnceAsync(CancellationToken.None));
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            release.Parameters.AddWithValue("key", MediaCleanup.AdvisoryLockKey);
            await release.ExecuteNonQueryAsync();
        }
    }

    [Fact]
    public async Task The_openapi_document_describes_the_multipart_upload()
    {
        // Contract test: the OpenAPI document is JSON with no record of ours, so raw JSON.
        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var path = document.GetProperty("paths").EnumerateObject().Single(p => p.Name.TrimEnd('/') == "/api/v1/media");
        Assert.True(path.Value.TryGetProperty("post", out var post), path.Value.ToString());
        var content = post.GetProperty("requestBody").GetProperty("content");
        Assert.True(content.TryGetProperty("multipart/form-data", out var multipart), content.ToString());
        JsonElement Resolve(JsonElement schema) => schema.TryGetProperty("$ref", out var reference)
            ? document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!.Split('/')[^1])
            : schema;
        var schema = Resolve(multipart.GetProperty("schema"));
        Assert.True(schema.TryGetProperty("properties", out var properties), multipart + "\n" + schema);
        Assert.True(properties.TryGetProperty("file", out var file), schema.ToString());
        Assert.True(Resolve(file).TryGetProperty("format", out var format), Resolve(file).ToString());
        Assert.Equal("binary", format.GetString());
        Assert.True(properties.TryGetProperty("description", out _), schema.ToString());
        Assert.Equal(["file"], schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.True(post.GetProperty("responses").TryGetProperty("201", out _));
        Assert.True(post.GetProperty("responses").TryGetProperty("413", out _));
        Assert.True(post.GetProperty("responses").TryGetProperty("415", out _));
    }

    private async Task Backdate(params MediaResponse[] media)
    {
        var ids = string.Join(",", media.Select(m => $"'{m.Id}'"));
        await api.Cluster.Database.ScalarAsync<long>(
            $"WITH moved AS (UPDATE media SET created_at = now() - interval '25 hours' WHERE id IN ({ids}) RETURNING 1) SELECT count(*) FROM moved");
    }

    private async Task<bool> Exists(MediaResponse media) =>
        await api.Cluster.Database.ScalarAsync<long>($"SELECT count(*) FROM media WHERE id = '{media.Id}'") == 1;
}
