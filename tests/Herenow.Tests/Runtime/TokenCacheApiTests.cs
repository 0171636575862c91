using System.Net;
using Herenow.Api.Sessions;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Runtime;

/// <summary>
/// The bearer-token cache across two API instances of one cluster: sign-out and account deletion take effect at once
/// on the instance that handled them, and on the other one within Herenow:Sessions:Cache:Lifetime.
/// </summary>
public sealed class TokenCacheApiTests : IClassFixture<ApiHost>, IAsyncLifetime
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);
    private readonly ApiHost api;
    private WebApplicationFactory<Program> otherApi = null!;
    private HttpClient first = null!;
    private HttpClient second = null!;

    public TokenCacheApiTests(ApiHost api) => this.api = api;

    public Task InitializeAsync()
    {
        var settings = new Dictionary<string, string?> { [SessionCacheOptions.Section + ":Lifetime"] = Lifetime.ToString() };
        // The fixture's API keeps the default lifetime; both instances remember tokens.
        otherApi = ApiHost.CreateApi(api.Cluster, settings);
        first = api.Http;
        second = otherApi.CreateClient();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        second.Dispose();
        await otherApi.DisposeAsync();
    }

    private static async Task<HttpStatusCode> Me(HttpClient http, string token) =>
        (await http.CallAsync(HttpMethod.Get, "/api/v1/accounts/me", token)).StatusCode;

    /// <summary>Polls until <paramref name="http"/> refuses the token, failing past the bound plus slack.</summary>
    private static async Task RefusedWithin(HttpClient http, string token, TimeSpan bound) =>
        await Eventually.Value(() => Me(http, token), status => status == HttpStatusCode.Unauthorized, "the token is refused",
            bound + TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(100));

    [Fact]
    public async Task Sign_out_is_immediate_where_it_was_made_and_bounded_elsewhere()
    {
        var token = await first.SignUpAsync("cache_sam");
        Assert.Equal(HttpStatusCode.OK, await Me(first, token));
        Assert.Equal(HttpStatusCode.OK, await Me(second, token)); // now remembered by both
        Assert.True(otherApi.Services.GetRequiredService<SessionCache>().Count > 0);

        Assert.Equal(HttpStatusCode.NoContent, (await second.CallAsync(HttpMethod.Delete, "/api/v1/sessions/current", token)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await Me(second, token));
        await RefusedWithin(first, token, TimeSpan.FromSeconds(5)); // the fixture's API: the default lifetime
    }

    [Fact]
    public async Task Account_deletion_forgets_every_remembered_token_of_the_account_at_once()
    {
        var one = await second.SignUpAsync("cache_del");
        var two = await second.SignUpAsync("cache_del");
        Assert.Equal(HttpStatusCode.OK, await Me(second, one));
        Assert.Equal(HttpStatusCode.OK, await Me(second, two));
        Assert.Equal(HttpStatusCode.OK, await Me(first, two));

        Assert.Equal(HttpStatusCode.Accepted,
            (await second.CallAsync(HttpMethod.Delete, "/api/v1/accounts/me", one, new { password = ApiCalls.Password })).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await Me(second, one));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(second, two));
        await RefusedWithin(first, two, TimeSpan.FromSeconds(5));
    }
}
