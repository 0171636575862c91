using System.Net;
using Herenow.Api.Security;
using Herenow.Api.WebClient;
using Herenow.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Web;

/// <summary>
/// How the API serves the web client: the page and its bundle at / and /app with their own CSP, every API path
/// untouched (an unknown /api path is still a 404 problem document), and a clear answer at / when it is not built.
/// </summary>
public sealed class WebClientServingTests(WebClientServingTests.Host host) : IClassFixture<WebClientServingTests.Host>
{
    public sealed class Host : IAsyncLifetime
    {
        public ApiHost Api { get; } = new();

        public async Task InitializeAsync()
        {
            await WebClientBuild.EnsureBuiltAsync();
            await Api.InitializeAsync();
        }

        public Task DisposeAsync() => Api.DisposeAsync();
    }

    private string WebPolicy => host.Api.Services.GetRequiredService<WebClientPolicy>().ContentSecurityPolicy;

    [Fact]
    public async Task The_page_and_its_bundle_are_served_with_the_web_client_policy()
    {
        var page = await host.Api.Http.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script type=\"module\" src=\"/app/app.js\"></script>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(WebPolicy, page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.DoesNotContain("unsafe", WebPolicy, StringComparison.Ordinal);
        Assert.Contains("script-src 'self';", WebPolicy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self';", WebPolicy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", WebPolicy, StringComparison.Ordinal);
        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", page.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("no-cache", page.Headers.CacheControl?.ToString());

        foreach (var (path, type) in new[] { ("/app/app.js", "text/javascript"), ("/app/style.css", "text/css"), ("/app/countries-110m.json", "application/json") })
        {
            var file = await host.Api.Http.GetAsync(path);
            Assert.Equal(HttpStatusCode.OK, file.StatusCode);
            Assert.Equal(type, file.Content.Headers.ContentType?.MediaType);
        }
    }

    [Theory]
    [InlineData("/api/v1/nothing-here")]
    [InlineData("/api/v1/places/nearby/extra/segments")]
    [InlineData("/users/nobody_here_at_all")]
    [InlineData("/app/not-in-the-bundle.js")]
    [InlineData("/appsettings.json")]
    [InlineData("/places/123")]
    public async Task Other_paths_are_not_the_web_client(string path)
    {
        var response = await host.Api.Http.GetAsync(path);
        await ProblemAssert.IsProblem(response, HttpStatusCode.NotFound);
        if (!path.StartsWith("/app/", StringComparison.Ordinal))
        {
            Assert.Equal(SecurityHeadersMiddleware.ApiPolicy, response.Headers.GetValues("Content-Security-Policy").Single());
        }
    }

    [Fact]
    public async Task The_api_keeps_its_own_policy()
    {
        var feed = await host.Api.Http.GetAsync("/api/v1/feeds/global");
        Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
        Assert.Equal(SecurityHeadersMiddleware.ApiPolicy, feed.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Fact]
    public async Task Without_a_build_the_root_says_how_to_build_it_and_the_api_still_works()
    {
        var empty = Directory.CreateTempSubdirectory("herenow-no-web-");
        try
        {
            await using var api = ApiHost.CreateApi(host.Api.Cluster, new Dictionary<string, string?> { [WebClientHosting.RootSetting] = empty.FullName });
            using var http = api.CreateClient();
            var root = await ProblemAssert.IsProblem(await http.GetAsync("/"), HttpStatusCode.ServiceUnavailable);
            Assert.Contains("scripts/web.sh build", root.Detail, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
            await ProblemAssert.IsProblem(await http.GetAsync("/app/app.js"), HttpStatusCode.NotFound);
        }
        finally
        {
            empty.Delete(recursive: true);
        }
    }
}
