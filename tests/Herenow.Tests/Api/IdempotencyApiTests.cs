using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Herenow.Api.Checkins;
using Herenow.Api.Idempotency;
using Herenow.Api.Places;
using Herenow.Api.Sessions;
using Herenow.Tests.Support;
using Npgsql;

namespace Herenow.Tests.Api;

/// <summary>Requests and checks shared by the Idempotency-Key tests.</summary>
public sealed class IdempotencyClient(ApiHost api)
{
    public HttpClient Http => api.Http;

    public async Task<string> SignUp(string username)
    {
        await Http.PostAsJsonAsync("/api/v1/accounts", new { username, password = "a long password" });
        var session = await Http.PostAsJsonAsync("/api/v1/sessions", new { username, password = "a long password" });
        return (await session.ReadAsync<SessionResponse>()).AccessToken;
    }

    /// <summary>POSTs exactly these body bytes, so that "the same request" is byte for byte the same.</summary>
    public async Task<HttpResponseMessage> Post(string path, string? token, string? key, string json)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (key is not null) request.Headers.TryAddWithoutValidation(IdempotencyKey.HeaderName, key);
        request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return await Http.SendAsync(request);
    }

    public async Task<string> Place()
    {
        var response = await Post("/api/v1/places", await Http.SignUpAsync("place_maker"), null, """{"name":"Kaffee Bar","latitude":52.52,"longitude":13.405}""");
        return (await response.ReadAsync<PlaceResponse>()).Id;
    }

    public static string Checkin(string place, string shout = "coffee") =>
        $$"""{"place_id":"{{place}}","latitude":52.5201,"longitude":13.4051,"shout":"{{shout}}"}""";

    public async Task<List<string>> History(string username, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/accounts/{username}/checkins");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return (await (await Http.SendAsync(request)).ReadAsync<List<CheckinResponse>>()).Ids().ToList();
    }

    public static async Task<string> IdOf(HttpResponseMessage createdCheckin) =>
        (await createdCheckin.ReadAsync<CheckinResponse>()).Id;

    public static async Task<string> PlaceIdOf(HttpResponseMessage createdPlace) =>
        (await createdPlace.ReadAsync<PlaceResponse>()).Id;
}

/// <summary>Idempotency-Key on POSTs that create, through the real API, silo and PostgreSQL.</summary>
public sealed class IdempotencyApiTests(ApiHost api) : IClassFixture<ApiHost>
{
    private readonly IdempotencyClient client = new(api);

    private async Task Sql(string sql) => await api.Cluster.Database.ScalarAsync<int>(sql);

    [Fact]
    public async Task Repeat_returns_the_original_status_body_and_location_and_creates_one_checkin()
    {
        var ana = await client.SignUp("ana");
        var body = IdempotencyClient.Checkin(await client.Place());

        var first = await client.Post("/api/v1/checkins", ana, "key-1", body);
        var repeat = await client.Post("/api/v1/checkins", ana, "key-1", body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(first.StatusCode, repeat.StatusCode);
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(), await repeat.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.Location, repeat.Headers.Location);
        Assert.Equal(first.Content.Headers.ContentType, repeat.Content.Headers.ContentType);
        Assert.True(repeat.Headers.Contains(IdempotencyMiddleware.ReplayedHeader));
        Assert.Equal([await IdempotencyClient.IdOf(first)], await client.History("ana", ana));
    }

    [Fact]
    public async Task Same_key_with_another_body_is_422_and_other_accounts_use_the_same_key_independently()
    {
        var ben = await client.SignUp("ben");
        var cleo = await client.SignUp("cleo");
        var place = await client.Place();

        var first = await client.Post("/api/v1/checkins", ben, "shared-key", IdempotencyClient.Checkin(place, "one"));
        var changed = await client.Post("/api/v1/checkins", ben, "shared-key", IdempotencyClient.Checkin(place, "two"));
        var otherEndpoint = await client.Post("/api/v1/places", ben, "shared-key", """{"name":"X","latitude":1,"longitude":1}""");
        var otherAccount = await client.Post("/api/v1/checkins", cleo, "shared-key", IdempotencyClient.Checkin(place, "two"));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        await ProblemAssert.IsProblem(changed, HttpStatusCode.UnprocessableEntity);
        await ProblemAssert.IsProblem(otherEndpoint, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(HttpStatusCode.Created, otherAccount.StatusCode);
        Assert.Single(await client.History("ben", ben));
        Assert.Single(await client.History("cleo", cleo));
    }

    [Fact]
    public async Task Concurrent_requests_with_one_key_create_one_checkin()
    {
        var dora = await client.SignUp("dora");
        var body = IdempotencyClient.Checkin(await client.Place());

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => client.Post("/api/v1/checkins", dora, "race", body)));

        var created = responses.Where(r => r.StatusCode == HttpStatusCode.Created).ToList();
        Assert.NotEmpty(created);
        Assert.All(responses, r => Assert.Contains(r.StatusCode, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        foreach (var conflict in responses.Where(r => r.StatusCode == HttpStatusCode.Conflict))
        {
            await ProblemAssert.IsProblem(conflict, HttpStatusCode.Conflict);
            Assert.NotNull(conflict.Headers.RetryAfter);
        }
        var bodies = await Task.WhenAll(created.Select(r => r.Content.ReadAsStringAsync()));
        Assert.Single(bodies.Distinct());
        Assert.Single(await client.History("dora", dora));
    }

    [Fact]
    public async Task Crash_before_the_response_was_stored_is_409_during_the_lease_and_then_the_same_checkin()
    {
        var eli = await client.SignUp("eli");
        var body = IdempotencyClient.Checkin(await client.Place());
        var first = await client.Post("/api/v1/checkins", eli, "crash", body);
        var id = await IdempotencyClient.IdOf(first);

        // As if the API died after the check-in committed but before it stored the response: the row is pending.
        await Sql("UPDATE idempotency_keys SET status = NULL, body = NULL, completed_at = NULL WHERE account = 'eli'");
        var during = await client.Post("/api/v1/checkins", eli, "crash", body);
        // The lease has run out: a retry takes the key over, and the user grain returns the committed check-in.
        await Sql("UPDATE idempotency_keys SET created_at = now() - interval '1 minute' WHERE account = 'eli'");
        var after = await client.Post("/api/v1/checkins", eli, "crash", body);

        await ProblemAssert.IsProblem(during, HttpStatusCode.Conflict);
        Assert.NotNull(during.Headers.RetryAfter);
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
        Assert.Equal(id, await IdempotencyClient.IdOf(after));
        Assert.Equal([id], await client.History("eli", eli));
    }

    [Fact]
    public async Task Unusable_keys_are_400_and_create_nothing()
    {
        var fay = await client.SignUp("fay");
        var body = IdempotencyClient.Checkin(await client.Place());

        foreach (var key in new[] { "\"\"", "with \"quote", "tab\there", new string('k', 256) })
        {
            await ProblemAssert.IsProblem(await client.Post("/api/v1/checkins", fay, key, body), HttpStatusCode.BadRequest);
        }
        // The test client does not send a header with an empty value, so this request is handed to the server as written.
        var empty = await api.Server.SendAsync(http =>
        {
            http.Request.Method = "POST";
            http.Request.Path = "/api/v1/checkins";
            http.Request.Headers.Authorization = $"Bearer {fay}";
            http.Request.Headers[IdempotencyKey.HeaderName] = "";
            http.Request.ContentType = "application/json";
            http.Request.Body = new MemoryStream(Encoding.UTF8.GetBytes(body));
        });
        Assert.Equal(400, empty.Response.StatusCode);
        Assert.Equal("application/problem+json", empty.Response.ContentType);
        Assert.Empty(await client.History("fay", fay));
    }

    [Fact]
    public async Task Longest_and_quoted_keys_work_and_no_header_behaves_as_before()
    {
        var gus = await client.SignUp("gus");
        var body = IdempotencyClient.Checkin(await client.Place());

        var longest = await client.Post("/api/v1/checkins", gus, new string('k', 255), body);
        var quoted = await client.Post("/api/v1/checkins", gus, "\"8e03978e-40d5-43e8-bc93-6894a57f9324\"", body);
        var unquoted = await client.Post("/api/v1/checkins", gus, "8e03978e-40d5-43e8-bc93-6894a57f9324", body);
        var plain1 = await client.Post("/api/v1/checkins", gus, null, body);
        var plain2 = await client.Post("/api/v1/checkins", gus, null, body);

        Assert.All([longest, quoted, unquoted, plain1, plain2], r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Equal(await IdempotencyClient.IdOf(quoted), await IdempotencyClient.IdOf(unquoted));
        Assert.Equal(4, (await client.History("gus", gus)).Count);
    }

    [Fact]
    public async Task Remembered_422_is_replayed_but_an_exception_is_not_remembered()
    {
        var hal = await client.SignUp("hal");
        var place = await client.Place();
        var far = $$"""{"place_id":"{{place}}","latitude":53.5,"longitude":13.4}""";

        var rejected = await client.Post("/api/v1/checkins", hal, "far", far);
        var rejectedAgain = await client.Post("/api/v1/checkins", hal, "far", far);
        var malformed = await client.Post("/api/v1/checkins", hal, "fixed", "{not json");
        var malformedAgain = await client.Post("/api/v1/checkins", hal, "fixed", "{not json");

        await ProblemAssert.IsProblem(rejected, HttpStatusCode.UnprocessableEntity);
        Assert.Equal(await rejected.Content.ReadAsByteArrayAsync(), await rejectedAgain.Content.ReadAsByteArrayAsync());
        await ProblemAssert.IsProblem(malformed, HttpStatusCode.BadRequest);
        await ProblemAssert.IsProblem(malformedAgain, HttpStatusCode.BadRequest);
        Assert.False(malformedAgain.Headers.Contains(IdempotencyMiddleware.ReplayedHeader));
        Assert.Empty(await client.History("hal", hal));
    }

    [Fact]
    public async Task Places_repeat_returns_the_same_place_for_a_signed_in_caller()
    {
        var ivy = await client.SignUp("ivy");
        const string body = """{"name":"Späti","latitude":52.5,"longitude":13.4}""";

        var first = await client.Post("/api/v1/places", ivy, "place-key", body);
        var repeat = await client.Post("/api/v1/places", ivy, "place-key", body);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(), await repeat.Content.ReadAsByteArrayAsync());
        Assert.Equal(1, await api.Cluster.Database.ScalarAsync<int>("SELECT count(*) FROM places WHERE name = 'Späti'"));
    }

    [Fact]
    public async Task Expired_keys_are_deleted_and_may_be_used_again()
    {
        var jo = await client.SignUp("jo");
        var old = await client.Post("/api/v1/places", jo, "old", """{"name":"Old","latitude":1,"longitude":1}""");
        await client.Post("/api/v1/places", jo, "fresh", """{"name":"Fresh","latitude":1,"longitude":1}""");

        await Sql("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE account = 'jo' AND key = 'old'");
        await using var dataSource = NpgsqlDataSource.Create(api.Cluster.Database.ConnectionString);
        var deleted = await new IdempotencyStore(dataSource).DeleteExpiredAsync(CancellationToken.None);
        var reused = await client.Post("/api/v1/places", jo, "old", """{"name":"New","latitude":1,"longitude":1}""");

        Assert.Equal(1, deleted);
        Assert.Equal(HttpStatusCode.Created, reused.StatusCode);
        Assert.NotEqual(await IdempotencyClient.PlaceIdOf(old), await IdempotencyClient.PlaceIdOf(reused));
        Assert.Equal(2, await api.Cluster.Database.ScalarAsync<int>("SELECT count(*) FROM idempotency_keys WHERE account = 'jo'"));
    }

    [Fact]
    public async Task Expired_key_not_yet_deleted_is_claimed_afresh()
    {
        var lou = await client.SignUp("lou");
        var old = await client.Post("/api/v1/places", lou, "old", """{"name":"Old","latitude":1,"longitude":1}""");

        await Sql("UPDATE idempotency_keys SET created_at = now() - interval '25 hours' WHERE account = 'lou'");
        var reused = await client.Post("/api/v1/places", lou, "old", """{"name":"New","latitude":1,"longitude":1}""");

        Assert.Equal(HttpStatusCode.Created, reused.StatusCode);
        Assert.NotEqual(await IdempotencyClient.PlaceIdOf(old), await IdempotencyClient.PlaceIdOf(reused));
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(201, true)]
    [InlineData(400, true)]
    [InlineData(404, true)]
    [InlineData(422, true)]
    [InlineData(409, false)]
    [InlineData(429, false)]
    [InlineData(500, false)]
    [InlineData(503, false)]
    public void Remembers_2xx_and_definite_4xx_only(int status, bool remembered) =>
        Assert.Equal(remembered, IdempotencyKey.IsRemembered(status));
}

/// <summary>The contract's "this holds across a silo restart", on its own cluster because it stops the silo.</summary>
public sealed class IdempotencySiloRestartTests(ApiHost api) : IClassFixture<ApiHost>
{
    private readonly IdempotencyClient client = new(api);

    /// <summary>The API reconnects to the new silo on its own; until then requests are 503 (retry, as a client would).</summary>
    private static Task<HttpResponseMessage> UntilAvailable(Func<Task<HttpResponseMessage>> send) =>
        Eventually.Value(send, response => response.StatusCode != HttpStatusCode.ServiceUnavailable, "the API answers again (not 503)",
            TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(200), show: response => response.StatusCode);

    [Fact]
    public async Task After_a_silo_restart_a_repeat_gets_the_original_result_and_creates_nothing()
    {
        var kim = await client.SignUp("kim");
        var body = IdempotencyClient.Checkin(await client.Place());
        var first = await client.Post("/api/v1/checkins", kim, "restart", body);
        var second = await client.Post("/api/v1/checkins", kim, "lost-response", body);

        await api.Cluster.StopSiloAsync(api.Cluster.Silos[0]);
        await api.Cluster.StartSiloAsync();
        var repeat = await UntilAvailable(() => client.Post("/api/v1/checkins", kim, "restart", body));
        // As if the API had also lost this response before storing it: only the check-in's row remembers the key.
        // (The replay above needs no grain, and the token is cached: the API may still be reconnecting here.)
        await api.Cluster.Database.ScalarAsync<int>("DELETE FROM idempotency_keys WHERE key = 'lost-response'");
        var retried = await UntilAvailable(() => client.Post("/api/v1/checkins", kim, "lost-response", body));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, repeat.StatusCode);
        Assert.Equal(await first.Content.ReadAsByteArrayAsync(), await repeat.Content.ReadAsByteArrayAsync());
        Assert.Equal(HttpStatusCode.Created, retried.StatusCode);
        Assert.Equal(await IdempotencyClient.IdOf(second), await IdempotencyClient.IdOf(retried));
        Assert.Equal(2, (await client.History("kim", kim)).Count);
    }
}
