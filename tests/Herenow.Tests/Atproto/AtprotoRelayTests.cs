using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Api.Accounts;
using Herenow.Api.Checkins;
using Herenow.Grains.Federation.Atproto;
using Herenow.Tests.Support;
using Xunit.Abstractions;

namespace Herenow.Tests.Atproto;

/// <summary>
/// The AT Protocol relay against the reference PDS 0.5.35 with a local PLC directory (@atproto/dev-env), on loopback:
/// link through the REST API, check in, and read the repository back. If the PDS cannot be installed or started,
/// these fail and say why.
/// </summary>
public sealed class AtprotoRelayTests(FederatedApiHost api, ITestOutputHelper output) : IClassFixture<FederatedApiHost>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly HttpClient http = api.Http;

    [Fact]
    public async Task A_public_checkin_with_a_photo_becomes_a_post_and_a_location_record_and_deleting_it_removes_both()
    {
        await using var pds = await AtprotoPds.StartAsync();
        var account = await pds.CreateAccountAsync("relay-alice.test");
        var token = await http.SignUpAsync("at_alice");

        var link = await http.CallAsync(HttpMethod.Patch, "/api/v1/accounts/me", token, new
        {
            federation = new { atproto = new { pds_url = pds.PdsUrl.AbsoluteUri, handle = account.Handle, app_password = account.AppPassword } },
        });
        Assert.Equal(HttpStatusCode.OK, link.StatusCode);
        var me = await link.Content.ReadAsStringAsync();
        Assert.Equal(account.Did, JsonSerializer.Deserialize<MeResponse>(me, ApiCalls.Json)!.Settings.Federation.Atproto?.Did);
        Assert.DoesNotContain(account.AppPassword, me, StringComparison.Ordinal); // nowhere in the raw JSON
        // Sealed at rest: the database holds no plain app password.
        Assert.Equal(0, await api.Cluster.Database.ScalarAsync<long>(
            $"SELECT count(*) FROM atproto_accounts WHERE position(convert_to('{account.AppPassword}', 'UTF8') in app_password) > 0"));

        var place = await http.CreatePlaceAsync(token, "Brandenburger Tor", 52.5163, 13.3777);
        var photo = await http.UploadPhotoAsync(token, "The gate at dusk", 800, 600);
        var created = await http.CallAsync(HttpMethod.Post, "/api/v1/checkins", token, new
        {
            place_id = place, latitude = 52.5162, longitude = 13.3778, shout = "Finally here!", visibility = "public", media_ids = new[] { photo },
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var checkinId = (await created.ReadAsync<CheckinResponse>()).Id;
        var rkey = Tid.ForCheckin(checkinId);

        // The records are the AT Protocol's JSON, not ours: read raw.
        var post = await Written(() => pds.GetRecordAsync(account.Did, "app.bsky.feed.post", rkey), pds);
        var value = post.GetProperty("value");
        Assert.StartsWith("📍 Brandenburger Tor\nFinally here!\n", value.GetProperty("text").GetString(), StringComparison.Ordinal);
        var embed = value.GetProperty("embed");
        Assert.Equal("app.bsky.embed.recordWithMedia", embed.GetProperty("$type").GetString());
        var image = embed.GetProperty("media").GetProperty("images")[0];
        Assert.Equal("The gate at dusk", image.GetProperty("alt").GetString());
        var cid = image.GetProperty("image").GetProperty("ref").GetProperty("$link").GetString()!;
        Assert.NotNull(await pds.GetBlobAsync(account.Did, cid)); // the photo's bytes are in the repository

        var location = await Written(() => pds.GetRecordAsync(account.Did, "app.herenow.checkin", rkey), pds);
        // The records as written, for whoever reads the test log.
        output.WriteLine(JsonSerializer.Serialize(post, Indented));
        output.WriteLine(JsonSerializer.Serialize(location, Indented));
        var geo = location.GetProperty("value").GetProperty("location");
        Assert.Equal("community.lexicon.location.geo", geo.GetProperty("$type").GetString());
        Assert.Equal("52.516200", geo.GetProperty("latitude").GetString());
        Assert.Equal("13.377800", geo.GetProperty("longitude").GetString());
        Assert.Equal("Brandenburger Tor", geo.GetProperty("name").GetString());
        Assert.Equal(location.GetProperty("uri").GetString(), embed.GetProperty("record").GetProperty("record").GetProperty("uri").GetString());

        // Private and followers-only check-ins write nothing: everything in a repository is public.
        await http.CheckInAsync(token, place, "private", "just me", 52.5162, 13.3778);
        await http.CheckInAsync(token, place, "followers", "friends only", 52.5162, 13.3778);
        var marker = await http.CheckInAsync(token, place, "public", "marker", 52.5162, 13.3778);
        await Written(() => pds.GetRecordAsync(account.Did, "app.bsky.feed.post", Tid.ForCheckin(marker)), pds);
        Assert.Equal(2, (await pds.ListRecordsAsync(account.Did, "app.bsky.feed.post")).GetProperty("records").GetArrayLength());
        Assert.Equal(2, (await pds.ListRecordsAsync(account.Did, "app.herenow.checkin")).GetProperty("records").GetArrayLength());

        // Deleting the check-in removes every record written for it.
        Assert.Equal(HttpStatusCode.NoContent, (await http.CallAsync(HttpMethod.Delete, $"/api/v1/checkins/{checkinId}", token)).StatusCode);
        await Eventually.True(async () => await pds.GetRecordAsync(account.Did, "app.bsky.feed.post", rkey) is null
                                          && await pds.GetRecordAsync(account.Did, "app.herenow.checkin", rkey) is null,
            "the records were removed", Patience, Every, () => pds.Output);
        Assert.Equal(1, (await pds.ListRecordsAsync(account.Did, "app.bsky.feed.post")).GetProperty("records").GetArrayLength());
    }

    [Fact]
    public async Task A_wrong_app_password_is_422_with_the_PDS_message_and_nothing_is_linked()
    {
        await using var pds = await AtprotoPds.StartAsync();
        var account = await pds.CreateAccountAsync("relay-bob.test");
        var token = await http.SignUpAsync("at_bob");

        var response = await http.CallAsync(HttpMethod.Patch, "/api/v1/accounts/me", token, new
        {
            display_name = "Bob", federation = new { atproto = new { pds_url = pds.PdsUrl.AbsoluteUri, handle = account.Handle, app_password = "wron-gpas-swor-dxxx" } },
        });
        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity);
        Assert.Contains("AuthenticationRequired", problem.Errors["federation.atproto.app_password"][0], StringComparison.Ordinal);
        var me = await http.GetAsync<MeResponse>("/api/v1/accounts/me", token);
        Assert.Null(me.Settings.Federation.Atproto);
        Assert.NotEqual("Bob", me.DisplayName); // a refused link applies nothing

        // Missing fields are 422 before any network call; null unlinks (here: nothing to unlink).
        await ProblemAssert.IsProblem(await http.CallAsync(HttpMethod.Patch, "/api/v1/accounts/me", token,
            new { federation = new { atproto = new { handle = "x" } } }), HttpStatusCode.UnprocessableEntity);
        Assert.Equal(HttpStatusCode.OK, (await http.CallAsync(HttpMethod.Patch, "/api/v1/accounts/me", token,
            new { federation = new { atproto = (object?)null } })).StatusCode);
    }

    private static readonly TimeSpan Every = TimeSpan.FromMilliseconds(250);

    private static Task<JsonElement> Written(Func<Task<JsonElement?>> read, AtprotoPds pds) =>
        Eventually.Found(read, "the record appeared in the repository", Patience, Every, () => pds.Output);
}
