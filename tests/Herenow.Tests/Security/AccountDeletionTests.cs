using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Api.Accounts;
using Herenow.Api.Checkins;
using Herenow.Api.Media;
using Herenow.Grains.Accounts;
using Herenow.Grains.Accounts.Deletion;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Herenow.Tests.Security;

/// <summary>
/// Two silos and the API; deleted names are reserved for 20 seconds here, so reuse can be seen, and the fan-out outbox
/// lets confirmed events go after 2 s instead of 45 s (the saga waits for it before it tombstones the account).
/// </summary>
public sealed class DeletionHost : IAsyncLifetime
{
    public static readonly TimeSpan NameReservedFor = TimeSpan.FromSeconds(20);
    private WebApplicationFactory<Program> factory = null!;

    public RealCluster Cluster { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public IServiceProvider Services => factory.Services;

    public async Task InitializeAsync()
    {
        Cluster = await RealCluster.StartAsync(silos: 2, new Dictionary<string, string?>
        {
            ["Herenow:Accounts:Deletion:NameReservedFor"] = NameReservedFor.ToString(),
            ["Herenow:Fanout:SettleAfter"] = "00:00:02",
            ["Herenow:Fanout:CheckPeriod"] = "00:00:01",
        });
        factory = ApiHost.CreateApi(Cluster);
        Http = factory.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        await factory.DisposeAsync();
        await Cluster.DisposeAsync();
    }
}

/// <summary>
/// Account deletion (docs/adr/0020-account-deletion.md): the request is checked, acknowledged durably, locks the account at
/// once, and the saga removes every trace of it from other users' views; the name is reserved, then free again. The
/// federated side (Fedify, the reference PDS) is in the interop tests.
/// </summary>
public sealed class AccountDeletionTests(DeletionHost host) : IClassFixture<DeletionHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly HttpClient http = host.Http;

    [Fact]
    public async Task Deleting_an_account_removes_it_and_its_traces_from_everyone_elses_views_and_reserves_the_name()
    {
        var alice = await http.SignUpAsync("del_alice");
        var bob = await http.SignUpAsync("del_bob");
        var carol = await http.SignUpAsync("del_carol");
        var aliceId = (await http.GetAsync<MeResponse>("/api/v1/accounts/me", alice)).Id;
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/del_alice/follow", bob)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Post, "/api/v1/accounts/del_carol/follow", alice)).StatusCode);
        var place = await http.CreatePlaceAsync(bob, "Deletion Square");
        var photo = await http.UploadPhotoAsync(alice, "the square at noon");
        var withPhoto = await http.CallAsync(HttpMethod.Post, "/api/v1/checkins", alice, new
        {
            place_id = place, latitude = 52.52, longitude = 13.405, shout = "gone soon", visibility = "public", media_ids = new[] { photo },
        });
        Assert.Equal(HttpStatusCode.Created, withPhoto.StatusCode);
        var publicCheckin = await withPhoto.ReadAsync<CheckinResponse>();
        var publicId = publicCheckin.Id;
        var photoUrl = new Uri(publicCheckin.Media[0].Url).PathAndQuery;
        var followersId = await http.CheckInAsync(alice, place, "followers", "friends only");
        var privateId = await http.CheckInAsync(alice, place, "private", "just me");
        await Eventually.True(async () => (await http.CheckinsAsync("/api/v1/feeds/home", bob)).Ids().Contains(followersId), "bob's feed shows alice's check-ins", Patience, Every);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(photoUrl)).StatusCode);

        // Bad requests change nothing: no password (422), a wrong one (403).
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Delete, "/api/v1/accounts/me", alice), HttpStatusCode.UnprocessableEntity);
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Delete, "/api/v1/accounts/me", alice, new { password = "wrong password" }), HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Get, "/api/v1/accounts/me", alice)).StatusCode);

        var deleted = await http.CallAsync(HttpMethod.Delete, "/api/v1/accounts/me", alice, new { password = ApiCalls.Password });
        Assert.Equal(HttpStatusCode.Accepted, deleted.StatusCode);
        Assert.Equal("/api/v1/accounts/del_alice", deleted.Headers.Location?.ToString());
        Assert.Equal("deleting", (await deleted.ReadAsync<AccountDeletionResponse>()).Status);

        // Locked at once: the token is dead, signing in fails, the profile is gone (410), the name is not free.
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Get, "/api/v1/accounts/me", alice), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblem(await http.PostAsJsonAsync("/api/v1/sessions", new { username = "del_alice", password = ApiCalls.Password }), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblem(await http.GetAsync("/api/v1/accounts/del_alice"), HttpStatusCode.Gone);
        await ProblemAssert.IsProblem(await http.PostAsJsonAsync("/api/v1/accounts", new { username = "del_alice", password = ApiCalls.Password }), HttpStatusCode.Conflict);

        var status = await WaitUntilDeletedAsync(aliceId);
        Assert.All(status.Steps, s => Assert.NotNull(s.DoneAt));

        // Nothing of alice is left in anyone else's view.
        var bobsFeed = (await http.CheckinsAsync("/api/v1/feeds/home?limit=40", bob)).Ids().ToList();
        Assert.DoesNotContain(publicId, bobsFeed);
        Assert.DoesNotContain(followersId, bobsFeed);
        Assert.DoesNotContain(publicId, (await http.CheckinsAsync("/api/v1/feeds/global?limit=40", null)).Ids());
        Assert.DoesNotContain(publicId, (await http.CheckinsAsync($"/api/v1/places/{place}/checkins?limit=40", bob)).Ids());
        foreach (var id in new[] { publicId, followersId, privateId })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await http.CallAsync(HttpMethod.Get, $"/api/v1/checkins/{id}", bob)).StatusCode);
        }
        Assert.Equal(0, (await http.GetAsync<AccountResponse>("/api/v1/accounts/del_bob", bob)).FollowingCount);
        Assert.Equal(0, (await http.GetAsync<AccountResponse>("/api/v1/accounts/del_carol", carol)).FollowersCount);
        Assert.Empty(await http.GetAsync<List<AccountResponse>>("/api/v1/accounts/del_carol/followers", carol));

        // Rows it owned are gone; its photos go with the next media clean-up round.
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM follows WHERE follower = 'del_alice' OR followee = 'del_alice'"));
        await host.Services.GetRequiredService<MediaCleanup>().RunOnceAsync(CancellationToken.None);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM media WHERE owner = 'del_alice'"));
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(photoUrl)).StatusCode);

        // Reserved, and reported as such; after the reservation the name is free for a new, empty account.
        var taken = await http.PostAsJsonAsync("/api/v1/accounts", new { username = "del_alice", password = ApiCalls.Password });
        Assert.Contains("deleted account", (await ProblemAssert.IsProblem(taken, HttpStatusCode.Conflict)).Detail, StringComparison.Ordinal);
        var reservedUntil = status.Steps.Single(s => s.Step == DeletionStep.Tombstone).DoneAt!.Value + DeletionHost.NameReservedFor;
        await Task.Delay(reservedUntil - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1));
        var again = await http.PostAsJsonAsync("/api/v1/accounts", new { username = "del_alice", password = ApiCalls.Password });
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        var reborn = await again.ReadAsync<AccountResponse>();
        Assert.NotEqual(aliceId, reborn.Id);
        Assert.Equal(0, reborn.CheckinsCount);
        Assert.Equal(0, reborn.FollowersCount);
        Assert.Empty(await http.CheckinsAsync("/api/v1/accounts/del_alice/checkins", null));
        // The old token stays dead for the new account.
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Get, "/api/v1/accounts/me", alice), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_session_the_account_does_not_list_is_refused_once_its_grain_reactivates()
    {
        var listed = await http.SignUpAsync("del_legacy");
        var unlisted = await http.SignUpAsync("del_legacy"); // a second session of the same account
        var accountId = (await http.GetAsync<MeResponse>("/api/v1/accounts/me", listed)).Id;
        // As for a token opened before sessions were listed: the account does not know it.
        await host.Cluster.Client.GetGrain<IUserGrain>("del_legacy").SessionClosed(Herenow.Api.Sessions.BearerTokenHandler.HashToken(unlisted));
        await host.Cluster.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal(HttpStatusCode.Accepted, (await http.CallAsync(HttpMethod.Delete, "/api/v1/accounts/me", listed, new { password = ApiCalls.Password })).StatusCode);
        await WaitUntilDeletedAsync(accountId);
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Get, "/api/v1/accounts/me", listed), HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Get, "/api/v1/accounts/me", unlisted), HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_saga_waits_for_the_federation_queues_and_resumes_on_another_silo_when_its_own_goes_away()
    {
        var token = await http.SignUpAsync("del_resume");
        var accountId = (await http.GetAsync<MeResponse>("/api/v1/accounts/me", token)).Id;
        var place = await http.CreatePlaceAsync(token, "Resume Corner");
        await http.CheckInAsync(token, place, "public", "before the silo goes");
        // A queued AT Protocol job that nothing will run (no link, no wake): the saga must wait for it, not skip it.
        await ExecuteAsync("""
            INSERT INTO atproto_jobs (username, checkin_id, action, next_attempt_at, created_at)
            VALUES ('del_resume', 'stuck-job', 'post', now() + interval '1 day', now())
            """);

        Assert.Equal(HttpStatusCode.Accepted, (await http.CallAsync(HttpMethod.Delete, "/api/v1/accounts/me", token, new { password = ApiCalls.Password })).StatusCode);
        var saga = host.Cluster.Client.GetGrain<IAccountDeletionGrain>(accountId);
        await Eventually.True(async () => (await saga.GetStatus())!.Steps.Single(s => s.Step == DeletionStep.AwaitFederationQueues).Attempts > 2,
            "the saga reached the federation-queue wait", Patience, Every);
        var waiting = (await saga.GetStatus())!;
        Assert.Null(waiting.CompletedAt);
        Assert.All(waiting.Steps.Where(s => s.Step < DeletionStep.AwaitFederationQueues), s => Assert.NotNull(s.DoneAt));
        Assert.Null(waiting.Steps.Single(s => s.Step == DeletionStep.AwaitFederationQueues).DoneAt);

        // The silo running the saga leaves; its recorded steps are in PostgreSQL, the next call reactivates it elsewhere.
        var management = host.Cluster.Client.GetGrain<IManagementGrain>(0);
        var hosts = (await management.GetHosts(onlyActive: true)).Keys.ToArray();
        var activations = await management.GetDetailedGrainStatistics([Orleans.Serialization.TypeSystem.RuntimeTypeNameFormatter.Format(typeof(AccountDeletionGrain))], hosts);
        var sagaSilo = activations.Single(a => a.GrainId == saga.GetGrainId()).SiloAddress;
        var silo = host.Cluster.Silos.Single(s => s.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress.Equals(sagaSilo));
        await host.Cluster.StopSiloAsync(silo);
        await host.Cluster.StartSiloAsync(); // the fixture keeps two silos for the other tests

        await ExecuteAsync("DELETE FROM atproto_jobs WHERE username = 'del_resume'");
        var done = await WaitUntilDeletedAsync(accountId);
        Assert.Equal(waiting.RequestedAt, done.RequestedAt);
        // Steps finished before the move were not run again.
        foreach (var before in waiting.Steps.Where(s => s.DoneAt is not null))
        {
            Assert.Equal(before.DoneAt, done.Steps.Single(s => s.Step == before.Step).DoneAt);
        }
        await ProblemAssert.IsProblem(await http.GetAsync("/api/v1/accounts/del_resume"), HttpStatusCode.Gone);
    }

    private async Task<DeletionStatus> WaitUntilDeletedAsync(string accountId)
    {
        var saga = host.Cluster.Client.GetGrain<IAccountDeletionGrain>(accountId);
        DeletionStatus? status = null;
        await Eventually.True(async () => (status = await saga.GetStatus())?.CompletedAt is not null,
            "the deletion saga completed", Patience, Every);
        return status!;
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(host.Cluster.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(host.Cluster.Database.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(100);
}
