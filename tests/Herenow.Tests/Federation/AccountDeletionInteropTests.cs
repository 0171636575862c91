using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Grains.Accounts.Deletion;
using Herenow.Grains.Federation.Atproto;
using Herenow.Tests.Support;

namespace Herenow.Tests.Federation;

/// <summary>The federated API with the fan-out outbox settling after 2 s (not 45 s), so a deletion saga completes quickly.</summary>
public sealed class FederatedDeletionHost : IAsyncLifetime
{
    public FederatedApiHost Api { get; } = new()
    {
        ExtraSettings = new Dictionary<string, string?>
        {
            ["Herenow:Fanout:SettleAfter"] = "00:00:02",
            ["Herenow:Fanout:CheckPeriod"] = "00:00:01",
        },
    };

    public Task InitializeAsync() => Api.InitializeAsync();

    public Task DisposeAsync() => Api.DisposeAsync();
}

/// <summary>
/// Account deletion as the fediverse sees it: Fedify receives a verified Delete for each check-in and one for the
/// actor; the reference PDS loses every record written for the account. Then the actor is 410 Gone.
/// </summary>
public sealed class AccountDeletionInteropTests(FederatedDeletionHost host) : IClassFixture<FederatedDeletionHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly HttpClient http = host.Api.Http;

    private string Origin => host.Api.Origin.ToString().TrimEnd('/');

    [Fact]
    public async Task Fedify_receives_signed_Deletes_for_each_checkin_and_for_the_actor_then_the_actor_is_gone()
    {
        const string user = "gone_alice";
        var token = await http.SignUpAsync(user);
        var accountId = (await http.GetJsonAsync("/api/v1/accounts/me", token)).GetProperty("id").GetString()!;
        await using var peer = await FedifyPeer.StartAsync();
        var actorUrl = new Uri($"{Origin}/users/{user}");
        await peer.FollowAsync("fan", actorUrl);
        Assert.True(await peer.WaitForAsync(e => e.GetProperty("type").GetString() == "Accept", Patience) is not null, "no Accept reached Fedify.\n" + peer.Output);

        var place = await http.CreatePlaceAsync(token, "Last Stop", 52.5096, 13.3760);
        var publicId = await http.CheckInAsync(token, place, "public", "last public post", 52.5096, 13.3760);
        var followersId = await http.CheckInAsync(token, place, "followers", "last friends post", 52.5096, 13.3760);
        var noteIds = new[] { publicId, followersId }.Select(id => $"{Origin}/users/{user}/checkins/{id}").ToList();
        foreach (var noteId in noteIds)
        {
            Assert.True(await peer.WaitForAsync(e => e.GetProperty("type").GetString() == "Create" && e.GetProperty("objectId").GetString() == noteId, Patience) is not null,
                $"the Create of {noteId} did not reach Fedify.\n" + peer.Output);
        }

        Assert.Equal(HttpStatusCode.Accepted, (await http.CallAsync(HttpMethod.Delete, "/api/v1/accounts/me", token, new { password = ApiCalls.Password })).StatusCode);

        // Fedify records an activity only after verifying its signature: these were signed with a key it could still fetch.
        foreach (var noteId in noteIds)
        {
            Assert.True(await peer.WaitForAsync(e => e.GetProperty("type").GetString() == "Delete" && e.GetProperty("objectId").GetString() == noteId, Patience) is not null,
                $"the Delete of {noteId} did not reach Fedify.\n" + peer.Output);
        }
        var actorDelete = await peer.WaitForAsync(e => e.GetProperty("type").GetString() == "Delete" && e.GetProperty("objectId").GetString() == actorUrl.AbsoluteUri, Patience);
        Assert.True(actorDelete is not null, "the Delete of the actor did not reach Fedify.\n" + peer.Output);
        Assert.Equal(actorUrl.AbsoluteUri, actorDelete.Value.GetProperty("actor").GetString());

        await WaitUntilDeletedAsync(accountId);
        var actor = await http.GetAsync($"/users/{user}");
        Assert.Equal(HttpStatusCode.Gone, actor.StatusCode);
        Assert.Equal(0, await host.Api.Cluster.Database.ScalarAsync<long>($"SELECT count(*) FROM ap_keys WHERE owner = '{user}'"));
        Assert.Equal(0, await host.Api.Cluster.Database.ScalarAsync<long>($"SELECT count(*) FROM ap_followers WHERE local_user = '{user}'"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync($"/.well-known/webfinger?resource=acct:{user}@{host.Api.Origin.Authority}")).StatusCode);
    }

    [Fact]
    public async Task The_PDS_loses_every_record_written_for_the_account_and_the_link_is_forgotten()
    {
        await using var pds = await AtprotoPds.StartAsync();
        var account = await pds.CreateAccountAsync("gone-bob.test");
        var token = await http.SignUpAsync("gone_bob");
        var accountId = (await http.GetJsonAsync("/api/v1/accounts/me", token)).GetProperty("id").GetString()!;
        var link = await http.CallAsync(HttpMethod.Patch, "/api/v1/accounts/me", token, new
        {
            federation = new { atproto = new { pds_url = pds.PdsUrl.AbsoluteUri, handle = account.Handle, app_password = account.AppPassword } },
        });
        Assert.Equal(HttpStatusCode.OK, link.StatusCode);
        var place = await http.CreatePlaceAsync(token, "Repository End", 52.5163, 13.3777);
        var first = await http.CheckInAsync(token, place, "public", "one", 52.5163, 13.3777);
        var second = await http.CheckInAsync(token, place, "public", "two", 52.5163, 13.3777);
        foreach (var id in new[] { first, second })
        {
            // A job writes the location record, then the post that embeds it: wait for both.
            await Eventually(async () => await pds.GetRecordAsync(account.Did, "app.herenow.checkin", Tid.ForCheckin(id)) is not null
                                         && await pds.GetRecordAsync(account.Did, "app.bsky.feed.post", Tid.ForCheckin(id)) is not null,
                "a record never reached the PDS.\n" + pds.Output);
        }
        Assert.Equal(2, (await pds.ListRecordsAsync(account.Did, "app.bsky.feed.post")).GetProperty("records").GetArrayLength());

        Assert.Equal(HttpStatusCode.Accepted, (await http.CallAsync(HttpMethod.Delete, "/api/v1/accounts/me", token, new { password = ApiCalls.Password })).StatusCode);
        await WaitUntilDeletedAsync(accountId);

        // The saga waited for the AT jobs before it forgot the link: the repository holds nothing of the account's.
        Assert.Equal(0, (await pds.ListRecordsAsync(account.Did, "app.bsky.feed.post")).GetProperty("records").GetArrayLength());
        Assert.Equal(0, (await pds.ListRecordsAsync(account.Did, "app.herenow.checkin")).GetProperty("records").GetArrayLength());
        Assert.Equal(0, await host.Api.Cluster.Database.ScalarAsync<long>("SELECT count(*) FROM atproto_accounts WHERE username = 'gone_bob'"));
        Assert.Equal(0, await host.Api.Cluster.Database.ScalarAsync<long>("SELECT count(*) FROM atproto_jobs WHERE username = 'gone_bob'"));
    }

    private async Task WaitUntilDeletedAsync(string accountId)
    {
        var saga = host.Api.Cluster.Client.GetGrain<IAccountDeletionGrain>(accountId);
        await Eventually(async () => (await saga.GetStatus())?.CompletedAt is not null, "the deletion saga did not complete");
    }

    private static Task Eventually(Func<Task<bool>> condition, string failure) =>
        Support.Eventually.True(condition, failure, Patience, TimeSpan.FromMilliseconds(200));
}
