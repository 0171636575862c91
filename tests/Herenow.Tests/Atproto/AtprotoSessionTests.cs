using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Grains.Federation.Atproto;
using Herenow.Tests.Federation;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herenow.Tests.Atproto;

/// <summary>
/// The relay's session handling, which the reference PDS cannot be made to exercise on demand (its access tokens
/// live two hours): the real grain in a real silo against a scripted XRPC server on loopback that expires tokens
/// when told to. Refresh on an expired token; a new session when the refresh fails too.
/// </summary>
public sealed class AtprotoSessionTests : IAsyncLifetime
{
    private RealCluster cluster = null!;

    public async Task InitializeAsync() => cluster = await RealCluster.StartAsync(1, new Dictionary<string, string?>
    {
        ["Herenow:Federation:AllowPrivateNetworks"] = "true",
        ["Herenow:Federation:PollPeriod"] = "00:00:00.200",
        ["Herenow:Federation:BaseDelay"] = "00:00:00.200",
        ["Herenow:Federation:MaxDelay"] = "00:00:01",
        ["Herenow:Secrets:Key"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
    });

    public Task DisposeAsync() => cluster.DisposeAsync().AsTask();

    [Theory]
    [InlineData(true, new[] { "createSession", "putRecord:expired", "refreshSession", "putRecord", "putRecord" })]
    [InlineData(false, new[] { "createSession", "putRecord:expired", "refreshSession:failed", "createSession", "putRecord", "putRecord" })]
    public async Task An_expired_access_token_is_refreshed_and_a_failed_refresh_logs_in_again(bool refreshWorks, string[] expected)
    {
        var calls = new ConcurrentQueue<string>();
        var sessions = 0;
        await using var pds = await LoopbackServer.StartAsync(async (context, _) =>
        {
            var method = context.Request.Path.Value!["/xrpc/com.atproto.".Length..].Split('.')[1];
            var bearer = context.Request.Headers.Authorization.ToString();
            object answer;
            if (method == "createSession")
            {
                var n = Interlocked.Increment(ref sessions);
                answer = new { did = "did:plc:sessiontest", handle = "s.test", accessJwt = $"access-{n}", refreshJwt = $"refresh-{n}" };
                calls.Enqueue(method);
            }
            else if (method == "refreshSession" && !refreshWorks)
            {
                calls.Enqueue(method + ":failed");
                context.Response.StatusCode = 400;
                answer = new { error = "ExpiredToken", message = "Token has been revoked" };
            }
            else if (method == "refreshSession")
            {
                calls.Enqueue(method);
                answer = new { did = "did:plc:sessiontest", handle = "s.test", accessJwt = "access-refreshed", refreshJwt = "refresh-refreshed" };
            }
            else if (bearer == "Bearer access-1")
            {
                // The first session's token has expired (the PDS says so with a 400, not a 401).
                calls.Enqueue(method + ":expired");
                context.Response.StatusCode = 400;
                answer = new { error = "ExpiredToken", message = "Token has expired" };
            }
            else
            {
                calls.Enqueue(method);
                answer = new { uri = $"at://did:plc:sessiontest/x/{calls.Count}", cid = "bafyreitest" };
            }
            await context.Response.WriteAsJsonAsync(answer);
        });

        var silo = cluster.Silos[0].Services;
        var accounts = silo.GetRequiredService<AtprotoAccounts>();
        var username = "sess_" + (refreshWorks ? "r" : "n");
        var at = DateTimeOffset.UtcNow;
        var checkin = new CheckinRecord(TimeOrderedId.New(at), username, new PlaceSnapshot("p", "Somewhere", 1, 2, null), 1, 2, null, "hi",
            Visibility.Public, [], at, 0);
        await cluster.Client.GetGrain<ICheckinGrain>(checkin.Id).Create(checkin);
        await accounts.LinkAsync(username, new AtprotoLink(pds.BaseUri.AbsoluteUri.TrimEnd('/'), "s.test", "did:plc:sessiontest"), "app-pass-word");
        Assert.True(await accounts.EnqueueAsync(username, checkin.Id, delete: false));
        await cluster.Client.GetGrain<IAtprotoAccountGrain>(username).Wake();

        await Eventually.True(async () => (await accounts.HeadAsync(username)).Next is null, "the queued job ran",
            TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(100));
        Assert.Null((await accounts.HeadAsync(username)).Next); // the job is done
        Assert.Equal(expected, calls.ToArray());
    }
}
