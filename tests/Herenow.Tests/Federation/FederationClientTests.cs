using System.Net;
using System.Text;
using Herenow.Grains.Federation.Http;
using Herenow.Grains.Federation.Signatures;
using Microsoft.AspNetCore.Http;

namespace Herenow.Tests.Federation;

public sealed class FederationClientTests
{
    private const string ActivityJson = "application/activity+json";

    private static (FederationClient Client, HttpClient Http) Client(bool allowPrivate = true, long maxBytes = 1_048_576, double timeoutSeconds = 5)
    {
        var options = new FederationHttpOptions
        {
            AllowPrivateNetworks = allowPrivate,
            MaxResponseBytes = maxBytes,
            Timeout = TimeSpan.FromSeconds(timeoutSeconds),
        };
        var http = new HttpClient(FederationClient.CreateHandler(options));
        return (new FederationClient(http, options, TimeProvider.System), http);
    }

    /// <summary>Answers 202 to a request whose signature (of the given scheme) verifies with Alice's key, else 401.</summary>
    private static Func<HttpContext, byte[], Task> Verifying(params SignatureScheme[] accepted) => async (context, body) =>
    {
        var check = SignatureVerifier.Inspect(Requests.FromContext(context, body), DateTimeOffset.UtcNow);
        var ok = check is SignatureCheck.Candidate candidate && accepted.Contains(candidate.Scheme) && SignatureVerifier.Verify(candidate, TestKeys.AlicePublic);
        context.Response.StatusCode = ok ? StatusCodes.Status202Accepted : StatusCodes.Status401Unauthorized;
        await context.Response.WriteAsync(ok ? "accepted" : check.ToString());
    };

    [Fact]
    public async Task Private_addresses_are_refused_by_default()
    {
        await using var server = await LoopbackServer.StartAsync(Verifying(SignatureScheme.Rfc9421));
        var (client, http) = Client(allowPrivate: false);
        using var _ = http;

        // Plain http, an address literal, and a name that resolves to loopback (checked after DNS, in the handler).
        await Assert.ThrowsAsync<RemoteRequestRefusedException>(() =>
            client.SendAsync(HttpMethod.Get, server.Url("/actor"), null, null, ActivityJson, TestKeys.Alice));
        await Assert.ThrowsAsync<RemoteRequestRefusedException>(() =>
            client.SendAsync(HttpMethod.Get, new Uri($"https://127.0.0.1:{server.Port}/actor"), null, null, ActivityJson, TestKeys.Alice));
        await Assert.ThrowsAsync<RemoteRequestRefusedException>(() =>
            client.SendAsync(HttpMethod.Get, new Uri($"https://localhost:{server.Port}/actor"), null, null, ActivityJson, TestKeys.Alice));
        await Assert.ThrowsAsync<RemoteRequestRefusedException>(() =>
            client.SendAsync(HttpMethod.Get, new Uri($"https://[::ffff:127.0.0.1]:{server.Port}/actor"), null, null, ActivityJson, TestKeys.Alice));
        Assert.Empty(server.Seen);
    }

    [Fact]
    public async Task The_connect_callback_refuses_a_name_that_resolves_to_loopback()
    {
        // The handler on its own, as a plain HttpClient would use it: the check does not depend on FederationClient.
        await using var server = await LoopbackServer.StartAsync(Verifying(SignatureScheme.Rfc9421));
        using var http = new HttpClient(FederationClient.CreateHandler(new FederationHttpOptions()));

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri($"http://localhost:{server.Port}/")));
        Assert.IsType<RemoteRequestRefusedException>(error.InnerException);
        Assert.Empty(server.Seen);
    }

    [Fact]
    public async Task Private_addresses_are_allowed_when_configured_and_the_request_is_signed()
    {
        await using var server = await LoopbackServer.StartAsync(async (context, body) =>
        {
            var check = SignatureVerifier.Inspect(Requests.FromContext(context, body), DateTimeOffset.UtcNow);
            var ok = check is SignatureCheck.Candidate candidate && SignatureVerifier.Verify(candidate, TestKeys.AlicePublic) &&
                context.Request.Headers.Accept == ActivityJson && context.Request.Headers.UserAgent == "Herenow/1.0";
            context.Response.StatusCode = ok ? 200 : 401;
            context.Response.ContentType = "application/activity+json; charset=utf-8";
            await context.Response.WriteAsync("""{"type":"Person"}""");
        });
        var (client, http) = Client();
        using var _ = http;

        var response = await client.SendAsync(HttpMethod.Get, server.Url("/users/bob?x=1"), null, null, ActivityJson, TestKeys.Alice);

        Assert.Equal(HttpStatusCode.OK, response.Status);
        Assert.Equal("""{"type":"Person"}""", Encoding.UTF8.GetString(response.Body));
        Assert.Equal("application/activity+json; charset=utf-8", response.ContentType);
        Assert.Equal(SignatureScheme.Rfc9421, client.KnownScheme(server.Url("/other")));
    }

    [Fact]
    public async Task A_server_that_refuses_rfc9421_gets_a_second_knock_with_cavage_and_is_remembered()
    {
        await using var server = await LoopbackServer.StartAsync(Verifying(SignatureScheme.DraftCavage));
        var (client, http) = Client();
        using var _ = http;
        var body = Encoding.UTF8.GetBytes("""{"type":"Follow"}""");

        Assert.Null(client.KnownScheme(server.Url("/inbox")));
        var first = await client.SendAsync(HttpMethod.Post, server.Url("/inbox"), body, ActivityJson, ActivityJson, TestKeys.Alice);

        Assert.Equal(HttpStatusCode.Accepted, first.Status);
        Assert.Equal([true, false], server.Seen.Select(s => s.Rfc9421));
        Assert.Equal(SignatureScheme.DraftCavage, client.KnownScheme(server.Url("/users/bob/inbox")));

        var second = await client.SendAsync(HttpMethod.Post, server.Url("/users/bob/inbox"), body, ActivityJson, ActivityJson, TestKeys.Alice);

        Assert.Equal(HttpStatusCode.Accepted, second.Status);
        Assert.Equal([true, false, false], server.Seen.Select(s => s.Rfc9421));
    }

    [Fact]
    public async Task A_server_that_refuses_both_answers_401_after_two_knocks()
    {
        await using var server = await LoopbackServer.StartAsync(Verifying());
        var (client, http) = Client();
        using var _ = http;

        var response = await client.SendAsync(HttpMethod.Post, server.Url("/inbox"), [1, 2, 3], ActivityJson, ActivityJson, TestKeys.Alice);

        Assert.Equal(HttpStatusCode.Unauthorized, response.Status);
        Assert.Equal(2, server.Seen.Count);
        Assert.Null(client.KnownScheme(server.Url("/inbox")));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_oversized_response_is_refused(bool declaresLength)
    {
        await using var server = await LoopbackServer.StartAsync(async (context, _) =>
        {
            var chunk = new byte[600];
            if (declaresLength)
            {
                context.Response.ContentLength = 1200;
            }
            await context.Response.Body.WriteAsync(chunk);
            await context.Response.Body.FlushAsync();
            await context.Response.Body.WriteAsync(chunk);
        });
        var (client, http) = Client(maxBytes: 1000);
        using var _ = http;

        await Assert.ThrowsAsync<RemoteRequestRefusedException>(() =>
            client.SendAsync(HttpMethod.Get, server.Url("/big"), null, null, ActivityJson, TestKeys.Alice));
    }

    [Fact]
    public async Task Redirects_are_followed_re_signed_and_limited()
    {
        await using var server = await LoopbackServer.StartAsync(async (context, body) =>
        {
            var path = context.Request.Path.Value!;
            if (path.StartsWith("/hop/", StringComparison.Ordinal))
            {
                var left = int.Parse(path["/hop/".Length..], System.Globalization.CultureInfo.InvariantCulture);
                context.Response.StatusCode = 302;
                context.Response.Headers.Location = left == 0 ? "/final" : $"/hop/{left - 1}";
                return;
            }
            await Verifying(SignatureScheme.Rfc9421)(context, body);
        });
        var (client, http) = Client();
        using var _ = http;

        var response = await client.SendAsync(HttpMethod.Get, server.Url("/hop/2"), null, null, ActivityJson, TestKeys.Alice);
        Assert.Equal(HttpStatusCode.Accepted, response.Status);
        Assert.Equal("/final", server.Seen.Last().Target);

        await Assert.ThrowsAsync<RemoteRequestRefusedException>(() =>
            client.SendAsync(HttpMethod.Get, server.Url("/hop/3"), null, null, ActivityJson, TestKeys.Alice));
    }

    [Fact]
    public async Task A_slow_server_times_out()
    {
        await using var server = await LoopbackServer.StartAsync(async (context, _) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
        });
        var (client, http) = Client(timeoutSeconds: 0.5);
        using var _ = http;

        await Assert.ThrowsAsync<TimeoutException>(() =>
            client.SendAsync(HttpMethod.Get, server.Url("/slow"), null, null, ActivityJson, TestKeys.Alice));
    }

    [Fact]
    public async Task Retry_after_is_reported()
    {
        await using var server = await LoopbackServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 429;
            context.Response.Headers.RetryAfter = "30";
            return Task.CompletedTask;
        });
        var (client, http) = Client();
        using var _ = http;

        var response = await client.SendAsync(HttpMethod.Get, server.Url("/busy"), null, null, ActivityJson, TestKeys.Alice);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.Status);
        Assert.Equal(TimeSpan.FromSeconds(30), response.RetryAfter);
    }
}
