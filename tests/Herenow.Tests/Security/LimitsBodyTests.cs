using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Herenow.Api.Security;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Herenow.Tests.Security;

/// <summary>
/// Body limits through the real API: 64 KiB for JSON bodies on every endpoint (413 problem, also when the body comes
/// chunked), while the media upload keeps its 10 MiB and the inboxes their 1 MiB.
/// </summary>
[Collection(LimitsCollection.Name)]
public sealed class LimitsBodyTests(LimitsApiFixture fixture)
{
    private readonly HttpClient http = fixture.Generous.CreateClient();

    private async Task<HttpResponseMessage> Send(HttpMethod method, string path, string? token, HttpContent content)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await http.SendAsync(request);
    }

    private static ByteArrayContent Json(byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static MultipartFormDataContent Upload(byte[] file)
    {
        var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(file);
        part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(part, "file", "IMG_0001.jpg");
        return form;
    }

    [Fact]
    public async Task A_65_KiB_json_body_is_a_413_problem_on_every_json_endpoint()
    {
        var token = await http.SignUpAsync("limits_body_ann");
        var body = LimitsRequests.JsonOfSize(65 * 1024);

        foreach (var (method, path, auth) in new[]
                 {
                     (HttpMethod.Post, "/api/v1/accounts", (string?)null),
                     (HttpMethod.Post, "/api/v1/sessions", null),
                     (HttpMethod.Post, "/api/v1/places", token),
                     (HttpMethod.Post, "/api/v1/checkins", token),
                     (HttpMethod.Patch, "/api/v1/accounts/me", token),
                 })
        {
            var problem = await ProblemAssert.IsProblem(await Send(method, path, auth, Json(body)), HttpStatusCode.RequestEntityTooLarge);
            Assert.Contains("65536", problem.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_chunked_json_body_over_64_KiB_is_a_413_problem_too()
    {
        var token = await http.SignUpAsync("limits_body_ben");

        foreach (var (path, auth) in new[] { ("/api/v1/places", token), ("/api/v1/accounts", null) })
        {
            var context = await fixture.Generous.PostFrom("198.51.100.7", path, LimitsRequests.JsonOfSize(65 * 1024), chunked: true, auth);

            Assert.Null(context.Request.ContentLength);
            Assert.Equal(StatusCodes.Status413PayloadTooLarge, context.Response.StatusCode);
            Assert.Equal("application/problem+json", context.Response.ContentType?.Split(';')[0]);
            using var problem = await context.ReadJson();
            Assert.Equal(413, problem.RootElement.GetProperty("status").GetInt32());
        }
        // Just under the limit, chunked: read and judged by its values.
        var under = await fixture.Generous.PostFrom("198.51.100.7", "/api/v1/places", LimitsRequests.JsonOfSize(60 * 1024), chunked: true, token);
        Assert.Equal(StatusCodes.Status422UnprocessableEntity, under.Response.StatusCode);
    }

    [Fact]
    public async Task A_json_body_just_under_64_KiB_is_read_and_validated()
    {
        var token = await http.SignUpAsync("limits_body_cat");
        var body = LimitsRequests.JsonOfSize((int)BodySizeLimitMiddleware.DefaultMaxBodyBytes - 100);

        // Read, bound and refused for its values (a name far too long, no coordinates), not for its size.
        await ProblemAssert.IsProblem(await Send(HttpMethod.Post, "/api/v1/places", token, Json(body)), HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task A_photo_over_64_KiB_is_uploaded_the_json_limit_does_not_apply_to_multipart()
    {
        var token = await http.SignUpAsync("limits_body_dan");
        using var image = TestImages.Gradient(2400, 1800);
        var jpeg = TestImages.Jpeg(image, quality: 100);
        Assert.True(jpeg.Length > BodySizeLimitMiddleware.DefaultMaxBodyBytes, $"the test photo is only {jpeg.Length} bytes");

        var response = await Send(HttpMethod.Post, "/api/v1/media", token, Upload(jpeg));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task A_9_MB_upload_passes_the_body_limit_and_an_11_MB_one_is_a_413_problem()
    {
        var token = await http.SignUpAsync("limits_body_eve");
        using var image = TestImages.Gradient(320, 240);
        var jpeg = TestImages.Jpeg(image);
        var nine = new byte[9 * 1000 * 1000];
        jpeg.CopyTo(nine, 0);

        var accepted = await Send(HttpMethod.Post, "/api/v1/media", token, Upload(nine));
        // A JPEG followed by zeros: decoded (201) or refused for its content (422), never for its size.
        Assert.True(accepted.StatusCode is HttpStatusCode.Created or HttpStatusCode.UnprocessableEntity, $"9 MB upload: {accepted.StatusCode}");

        var eleven = new byte[11 * 1000 * 1000];
        jpeg.CopyTo(eleven, 0);
        var refused = await Send(HttpMethod.Post, "/api/v1/media", token, Upload(eleven));
        await ProblemAssert.IsProblem(refused, HttpStatusCode.RequestEntityTooLarge);
    }

    [Fact]
    public async Task The_inbox_takes_bodies_over_64_KiB_and_refuses_over_1_MiB()
    {
        var activity = JsonSerializer.SerializeToUtf8Bytes(new { type = "Create", padding = new string('x', 100 * 1024) });
        var mid = await http.PostAsync("/inbox", Json(activity));
        // Unsigned (401), or federation off here (404): either way the body was not refused for its size.
        Assert.NotEqual(HttpStatusCode.RequestEntityTooLarge, mid.StatusCode);
        Assert.True((int)mid.StatusCode < 500, mid.StatusCode.ToString());

        var huge = await http.PostAsync("/inbox", Json(LimitsRequests.JsonOfSize(1024 * 1024 + 1, "padding")));
        await ProblemAssert.IsProblem(huge, HttpStatusCode.RequestEntityTooLarge);
    }
}
