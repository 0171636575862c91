using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Api.Security;
using Herenow.Tests.Support;

namespace Herenow.Tests.Security;

/// <summary>The security headers on API answers (successes and problems), on media and on the docs page.</summary>
[Collection(LimitsCollection.Name)]
public sealed class SecurityHeaderTests(LimitsApiFixture fixture)
{
    private readonly HttpClient http = fixture.Generous.CreateClient();

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values)
        : response.Content.Headers.TryGetValues(name, out var content) ? string.Join(", ", content)
        : throw new Xunit.Sdk.XunitException($"no {name} header on {response.RequestMessage!.RequestUri}");

    private static void AssertCommon(HttpResponseMessage response)
    {
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Equal("DENY", Header(response, "X-Frame-Options"));
    }

    [Fact]
    public async Task An_api_answer_and_a_problem_carry_the_strict_headers()
    {
        foreach (var response in new[]
                 {
                     await http.GetAsync("/api/v1/feeds/global"),
                     await http.GetAsync("/api/v1/accounts/limits_nobody_at_all"),      // 404 problem
                     await http.PostAsJsonAsync("/api/v1/places", new { name = "x" }),    // 401 problem
                 })
        {
            AssertCommon(response);
            Assert.Equal(SecurityHeadersMiddleware.ApiPolicy, Header(response, "Content-Security-Policy"));
            Assert.Equal("same-origin", Header(response, "Cross-Origin-Resource-Policy"));
        }
    }

    [Fact]
    public async Task Media_may_be_embedded_by_other_sites_but_load_nothing()
    {
        var token = await http.SignUpAsync("limits_headers_ida");
        using var image = TestImages.Gradient(200, 150);
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(TestImages.Jpeg(image));
        part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(part, "file", "IMG_0001.jpg");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/media") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var upload = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, upload.StatusCode);
        var url = (await upload.ReadAsync<Herenow.Api.Media.MediaResponse>()).Url;

        var media = await http.GetAsync(url);

        Assert.Equal(HttpStatusCode.OK, media.StatusCode);
        AssertCommon(media);
        Assert.Equal("cross-origin", Header(media, "Cross-Origin-Resource-Policy"));
        Assert.Equal(SecurityHeadersMiddleware.ApiPolicy, Header(media, "Content-Security-Policy"));
    }

    [Fact]
    public async Task The_docs_page_has_its_own_policy_and_still_may_not_be_framed()
    {
        var docs = await http.GetAsync("/docs");

        Assert.Equal(HttpStatusCode.OK, docs.StatusCode);
        AssertCommon(docs);
        var policy = Header(docs, "Content-Security-Policy");
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
    }
}
