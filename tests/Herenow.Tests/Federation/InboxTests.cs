using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Herenow.Grains.Federation.Signatures;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Herenow.Tests.Federation;

/// <summary>
/// A remote actor on a loopback port: its actor document (with the public key the inbox verifies against) is served,
/// whatever is delivered to its inbox is accepted, and it signs what it posts to ours.
/// </summary>
internal sealed class RemoteTestActor : IAsyncDisposable
{
    private static readonly string[] Context = ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"];
    private readonly RSA rsa = RSA.Create(2048);
    private LoopbackServer server = null!;
    private int sequence;

    public string Id => server.Url("/users/remote").AbsoluteUri;

    public static async Task<RemoteTestActor> StartAsync()
    {
        var actor = new RemoteTestActor();
        actor.server = await LoopbackServer.StartAsync(async (context, _) =>
        {
            if (context.Request.Method == "GET" && context.Request.Path == "/users/remote")
            {
                context.Response.ContentType = "application/activity+json";
                await context.Response.WriteAsync(actor.Document());
                return;
            }
            context.Response.StatusCode = StatusCodes.Status202Accepted;
        });
        return actor;
    }

    private string Document() => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["@context"] = Context,
        ["id"] = Id,
        ["type"] = "Person",
        ["preferredUsername"] = "remote",
        ["inbox"] = server.Url("/users/remote/inbox").AbsoluteUri,
        ["publicKey"] = new { id = Id + "#main-key", owner = Id, publicKeyPem = rsa.ExportSubjectPublicKeyInfoPem() },
    });

    /// <summary>A fresh activity id of this actor's.</summary>
    public string NewId() => $"{Id}/activities/{Guid.NewGuid():N}-{Interlocked.Increment(ref sequence)}";

    public Dictionary<string, object> Like(string id, string objectId) => new()
    {
        ["@context"] = "https://www.w3.org/ns/activitystreams", ["id"] = id, ["type"] = "Like", ["actor"] = Id, ["object"] = objectId,
    };

    /// <summary>Signs and posts <paramref name="activity"/> to <paramref name="inbox"/> (an absolute URL), as a server delivers.</summary>
    public async Task<HttpResponseMessage> PostAsync(HttpClient http, Uri inbox, object activity)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(activity);
        using var request = new HttpRequestMessage(HttpMethod.Post, inbox);
        HttpSignatures.Sign(request, body, new SigningKey(Id + "#main-key", rsa.ExportPkcs8PrivateKeyPem()), SignatureScheme.Rfc9421, DateTimeOffset.UtcNow);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/activity+json");
        return await http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        await server.DisposeAsync();
        rsa.Dispose();
    }
}

/// <summary>The federated API with the inbox sweeper looking every second (not 10 s), so a lost wake is repaired quickly.</summary>
public sealed class InboxHost : IAsyncLifetime
{
    public FederatedApiHost Api { get; } = new()
    {
        ExtraSettings = new Dictionary<string, string?>
        {
            ["Herenow:Federation:Inbox:SweepPeriod"] = "00:00:01",
            ["Herenow:Federation:Inbox:SweepGrace"] = "00:00:01",
        },
    };

    public Task InitializeAsync() => Api.InitializeAsync();

    public Task DisposeAsync() => Api.DisposeAsync();
}

/// <summary>
/// The durable inbox (ADR 0030): a verified activity is a row before it is acknowledged, it is applied afterwards by
/// the actor's grain, a repeated delivery is applied once, and one actor's activities apply in the order they came.
/// </summary>
public sealed class InboxTests(InboxHost host) : IClassFixture<InboxHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly HttpClient http = host.Api.Http;

    private string Origin => host.Api.Origin.ToString().TrimEnd('/');
    private Uri SharedInbox => new(host.Api.Origin, "/inbox");

    private Task<long> ScalarAsync(string sql) => host.Api.Cluster.Database.ScalarAsync<long>(sql);

    private static string Quote(string text) => "'" + text.Replace("'", "''", StringComparison.Ordinal) + "'";

    private async Task<int> LikesAsync(string checkin) =>
        (await http.GetJsonAsync($"/api/v1/checkins/{checkin}", null)).GetProperty("likes_count").GetInt32();

    [Fact]
    public async Task The_inbox_answers_202_once_the_activity_is_recorded_and_applies_it_afterwards()
    {
        var token = await http.SignUpAsync("inbox_ann");
        var checkin = await http.CheckInAsync(token, await http.CreatePlaceAsync(token, "Inbox Café"), "public", "like me");
        await using var remote = await RemoteTestActor.StartAsync();
        var likeId = remote.NewId();

        var response = await remote.PostAsync(http, new Uri(host.Api.Origin, "/users/inbox_ann/inbox"), remote.Like(likeId, $"{Origin}/users/inbox_ann/checkins/{checkin}"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        // Acknowledged = durable: the row is there the moment the 202 is, with the verified actor and the raw JSON.
        Assert.Equal(1, await ScalarAsync($"SELECT count(*) FROM ap_inbox WHERE activity_id = {Quote(likeId)} AND actor_id = {Quote(remote.Id)} AND type = 'Like'"));
        await Eventually(async () => await LikesAsync(checkin) == 1, "the recorded Like was never applied");
        await Eventually(async () => await ScalarAsync($"SELECT count(*) FROM ap_inbox WHERE activity_id = {Quote(likeId)} AND processed_at IS NOT NULL AND body IS NULL") == 1,
            "the applied row was not marked processed");
    }

    [Fact]
    public async Task The_same_activity_delivered_twice_is_applied_once()
    {
        var token = await http.SignUpAsync("inbox_ben");
        var checkin = await http.CheckInAsync(token, await http.CreatePlaceAsync(token, "Twice Café"), "public", "like me once");
        await using var remote = await RemoteTestActor.StartAsync();
        var note = $"{Origin}/users/inbox_ben/checkins/{checkin}";
        var likeId = remote.NewId();

        // The second delivery is what a sender does when it did not see our 202 (a timeout): same activity, same id.
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostAsync(http, SharedInbox, remote.Like(likeId, note))).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostAsync(http, SharedInbox, remote.Like(likeId, note))).StatusCode);
        Assert.Equal(1, await ScalarAsync($"SELECT count(*) FROM ap_inbox WHERE activity_id = {Quote(likeId)}"));
        await Eventually(async () => await ScalarAsync($"SELECT count(*) FROM ap_inbox WHERE actor_id = {Quote(remote.Id)} AND processed_at IS NULL") == 0,
            "the Like was never applied");
        Assert.Equal(1, await LikesAsync(checkin));

        // A repeat after it was applied is dropped as well.
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostAsync(http, SharedInbox, remote.Like(likeId, note))).StatusCode);
        Assert.Equal(1, await ScalarAsync($"SELECT count(*) FROM ap_inbox WHERE activity_id = {Quote(likeId)}"));
        Assert.Equal(1, await LikesAsync(checkin));
        Assert.Equal(1, await ScalarAsync($"SELECT count(*) FROM checkin_likes WHERE checkin_id = {Quote(checkin)}"));
    }

    [Fact]
    public async Task One_actors_follow_and_undo_apply_in_the_order_they_arrived()
    {
        await http.SignUpAsync("inbox_cat");
        await using var remote = await RemoteTestActor.StartAsync();
        var actor = $"{Origin}/users/inbox_cat";
        var followId = remote.NewId();
        var follow = new Dictionary<string, object> { ["id"] = followId, ["type"] = "Follow", ["actor"] = remote.Id, ["object"] = actor };
        var undoId = remote.NewId();
        var undo = new Dictionary<string, object> { ["id"] = undoId, ["type"] = "Undo", ["actor"] = remote.Id, ["object"] = follow };

        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostAsync(http, SharedInbox, follow)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await remote.PostAsync(http, SharedInbox, undo)).StatusCode);

        await Eventually(async () => await ScalarAsync($"SELECT count(*) FROM ap_inbox WHERE activity_id IN ({Quote(followId)}, {Quote(undoId)}) AND processed_at IS NOT NULL") == 2,
            "the Follow and the Undo were not both applied");
        // Had the Undo overtaken the Follow, the follower would be left behind.
        Assert.Equal(0, await ScalarAsync("SELECT count(*) FROM ap_followers WHERE local_user = 'inbox_cat'"));
    }

    private static async Task Eventually(Func<Task<bool>> condition, string failure)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure);
            await Task.Delay(100);
        }
    }
}

/// <summary>
/// Acknowledged means kept: an activity received while no silo runs is answered 202, waits as a row, and is applied
/// by a silo started afterwards (its sweeper finds the row; nobody wakes the grain). Its own host: the API's cluster
/// client is left without a gateway for a while, which the other inbox tests should not share.
/// </summary>
public sealed class InboxSurvivesRestartTests(InboxHost host) : IClassFixture<InboxHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_pending_activity_survives_a_restart_of_the_silo_and_is_applied_afterwards()
    {
        var http = host.Api.Http;
        var cluster = host.Api.Cluster;
        var token = await http.SignUpAsync("inbox_dan");
        var checkin = await http.CheckInAsync(token, await http.CreatePlaceAsync(token, "Restart Café"), "public", "like me later");
        await using var remote = await RemoteTestActor.StartAsync();
        var likeId = remote.NewId();
        var quoted = "'" + likeId + "'";

        await cluster.StopSiloAsync(cluster.Silos.Single());
        var response = await remote.PostAsync(http, new Uri(host.Api.Origin, "/inbox"), remote.Like(likeId, $"{host.Api.Origin.ToString().TrimEnd('/')}/users/inbox_dan/checkins/{checkin}"));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, await cluster.Database.ScalarAsync<long>($"SELECT count(*) FROM ap_inbox WHERE activity_id = {quoted} AND processed_at IS NULL"));
        Assert.Equal(0, await cluster.Database.ScalarAsync<long>($"SELECT count(*) FROM checkin_likes WHERE checkin_id = '{checkin}'"));

        await cluster.StartSiloAsync();

        var deadline = DateTime.UtcNow + Patience;
        while (await cluster.Database.ScalarAsync<long>($"SELECT count(*) FROM ap_inbox WHERE activity_id = {quoted} AND processed_at IS NOT NULL") == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the pending Like was not applied after the restart");
            await Task.Delay(200);
        }
        Assert.Equal(1, await cluster.Database.ScalarAsync<long>($"SELECT count(*) FROM checkin_likes WHERE checkin_id = '{checkin}' AND username = '{remote.Id}'"));
    }
}
