using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Herenow.Grains.Checkins;
using Herenow.Grains.Common;
using Herenow.Api.Places;
using Herenow.Grains.Places;
using Herenow.Tests.Support;

namespace Herenow.Tests.Places;

public sealed class PlaceApiTests(ApiHost api) : IClassFixture<ApiHost>
{
    private readonly HttpClient http = api.Http;

    private Task<string> Token() => http.SignUpAsync("place_maker");

    private async Task<HttpResponseMessage> Post(object body) =>
        await http.CallAsync(HttpMethod.Post, "/api/v1/places", await Token(), body);

    private async Task<HttpResponseMessage> Created(string name, double latitude, double longitude, string? category = null, string? address = null)
    {
        var response = await Post(new { name, latitude, longitude, category, address });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return response;
    }

    private async Task<PlaceResponse> Create(string name, double latitude, double longitude, string? category = null, string? address = null) =>
        await (await Created(name, latitude, longitude, category, address)).ReadAsync<PlaceResponse>();

    private Task<List<NearbyPlaceResponse>> Nearby(string query) => http.GetAsync<List<NearbyPlaceResponse>>($"/api/v1/places/nearby?{query}");

    private static void AssertNames(List<NearbyPlaceResponse> places, params string[] expected) =>
        Assert.Equal(expected, places.Select(p => p.Name));

    [Fact]
    public async Task Created_place_is_201_and_reads_back_with_stats_and_no_mayor()
    {
        var response = await Post(
            new { name = "  Café am Ufer ", latitude = 48.1372, longitude = 11.5756, category = "cafe", address = "Ufer 1" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.ReadAsync<PlaceResponse>();
        var id = created.Id;
        Assert.Equal($"/api/v1/places/{id}", response.Headers.Location?.OriginalString);
        Assert.Equal("Café am Ufer", created.Name);

        var place = await http.GetAsync<PlaceResponse>($"/api/v1/places/{id}");
        Assert.Equal(id, place.Id);
        Assert.Equal(48.1372, place.Latitude);
        Assert.Equal(11.5756, place.Longitude);
        Assert.Equal("cafe", place.Category);
        Assert.Equal("Ufer 1", place.Address);
        Assert.Equal(new PlaceStatsResponse(CheckinsCount: 0, VisitorsCount: 0, HereNowCount: 0), place.Stats);
        Assert.Null(place.Mayor);
    }

    [Fact]
    public async Task An_active_place_counts_a_new_checkin_from_the_silos_batch()
    {
        var token = await http.SignUpAsync("place_counter");
        var id = await http.CreatePlaceAsync(token, "Counted Kiosk");
        // Read first: the place grain is active before the check-in, so only the per-silo delivery can update it.
        var before = await http.GetAsync<PlaceResponse>($"/api/v1/places/{id}");
        Assert.Equal(0, before.Stats.CheckinsCount);

        await http.CheckInAsync(token, id, "public", "counted");

        var after = await Eventually.Value(() => http.GetAsync<PlaceResponse>($"/api/v1/places/{id}"),
            p => p.Stats.CheckinsCount > 0, "the active place's checkins_count", within: TimeSpan.FromSeconds(15));
        Assert.Equal(1, after.Stats.CheckinsCount);
    }

    [Fact]
    public async Task Optional_fields_may_be_left_out()
    {
        // Contract test: left out, they are still there, as JSON null, so raw JSON.
        var created = await (await Created("Bench", 48.2, 11.6)).Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(JsonValueKind.Null, created.GetProperty("category").ValueKind);
        Assert.Equal(JsonValueKind.Null, created.GetProperty("address").ValueKind);
    }

    [Fact]
    public async Task Invalid_fields_are_422_with_an_error_for_each()
    {
        var response = await Post(new
        {
            name = " ",
            latitude = 90.5,
            category = new string('c', 51),
            address = "line\u0007bell",
        });

        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity);
        foreach (var field in new[] { "name", "latitude", "longitude", "category", "address" })
        {
            Assert.True(problem.Errors.ContainsKey(field), $"no error for {field}");
        }
    }

    [Theory]
    [InlineData("{\"name\": \"x\", \"latitude\": \"north\", \"longitude\": 1}")]
    [InlineData("{\"name\": ")]
    public async Task Malformed_json_is_400_problem(string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/places")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await Token());
        var response = await http.SendAsync(request);

        await ProblemAssert.IsProblem(response, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Nearby_is_nearest_first_with_distance_and_a_one_kilometre_default()
    {
        // Along a meridian near Turin: 0.001 degrees of latitude is ~111 m.
        await Create("Far", 45.0150, 7.6);
        await Create("Near", 45.0010, 7.6);
        await Create("Middle", 45.0050, 7.6);

        var places = await Nearby("latitude=45&longitude=7.6");

        AssertNames(places, "Near", "Middle");
        Assert.InRange(places[0].DistanceM, 110, 113);
        Assert.InRange(places[1].DistanceM, 554, 558);
        Assert.False(string.IsNullOrEmpty(places[0].Id));
        AssertNames(await Nearby("latitude=45&longitude=7.6&radius_m=2000"), "Near", "Middle", "Far");
    }

    [Fact]
    public async Task Nearby_filters_by_name_and_category_and_honours_the_limit()
    {
        await Create("Green Park", -33.0010, 151.0, "park");
        await Create("Park Cafe", -33.0020, 151.0, "Cafe");
        await Create("Harbour Cafe", -33.0030, 151.0, "cafe");

        AssertNames(await Nearby("latitude=-33&longitude=151&query=PARK"), "Green Park", "Park Cafe");
        AssertNames(await Nearby("latitude=-33&longitude=151&category=CAFE"), "Park Cafe", "Harbour Cafe");
        AssertNames(await Nearby("latitude=-33&longitude=151&query=park&category=cafe"), "Park Cafe");
        AssertNames(await Nearby("latitude=-33&longitude=151&limit=1"), "Green Park");
        Assert.Equal(3, (await Nearby("latitude=-33&longitude=151&limit=500")).Count); // lowered to 50, as for paging
    }

    [Theory]
    [InlineData("longitude=1", "latitude")]
    [InlineData("latitude=abc&longitude=1", "latitude")]
    [InlineData("latitude=91&longitude=1", "latitude")]
    [InlineData("latitude=NaN&longitude=1", "latitude")]
    [InlineData("latitude=1&longitude=-180.5", "longitude")]
    [InlineData("latitude=1&longitude=Infinity", "longitude")]
    [InlineData("latitude=1&longitude=1&radius_m=100001", "radius_m")]
    [InlineData("latitude=1&longitude=1&radius_m=0", "radius_m")]
    [InlineData("latitude=1&longitude=1&radius_m=far", "radius_m")]
    [InlineData("latitude=1&longitude=1&limit=0", "limit")]
    [InlineData("latitude=1&longitude=1&limit=ten", "limit")]
    public async Task Bad_nearby_values_are_422_with_field_errors(string query, string field)
    {
        var response = await http.GetAsync($"/api/v1/places/nearby?{query}");

        var problem = await ProblemAssert.IsProblem(response, HttpStatusCode.UnprocessableEntity);
        Assert.True(problem.Errors.ContainsKey(field), $"no error for {field}");
    }

    [Theory]
    [InlineData("01JBZZZZZZZZZZZZZZZZZZZZZZ")]
    [InlineData("no-such-place")]
    [InlineData("not a place id!")]
    public async Task Unknown_place_is_404_problem(string id)
    {
        var response = await http.GetAsync($"/api/v1/places/{Uri.EscapeDataString(id)}");

        await ProblemAssert.IsProblem(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Mayor_is_an_account_object_with_its_username()
    {
        var account = await http.PostAsJsonAsync("/api/v1/accounts", new { username = "Mayor_Mia", password = "a long password" });
        Assert.Equal(HttpStatusCode.Created, account.StatusCode);
        var id = (await Create("Town Hall", 10.0, 10.0)).Id;
        // The check-in's row first, then its event: the order the write path guarantees (the place reads the rows).
        await using var rows = new CheckinRows(api.Cluster.Database.ConnectionString);
        var checkin = await rows.InsertAsync(id, "mayor_mia", DateTimeOffset.UtcNow);
        await api.Cluster.Client.GetGrain<IPlaceGrain>(id).RecordCheckin(checkin);

        var place = await http.GetAsync<PlaceResponse>($"/api/v1/places/{id}");

        Assert.Equal("Mayor_Mia", place.Mayor?.Username);
        Assert.Equal(1, place.Stats.HereNowCount);
    }

    [Fact]
    public async Task OpenApi_document_describes_the_places_endpoints()
    {
        // Contract test: the OpenAPI document is JSON with no record of ours, so raw JSON.
        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var paths = document.GetProperty("paths");

        Assert.True(paths.TryGetProperty("/api/v1/places", out var create));
        Assert.Contains(create.GetProperty("post").GetProperty("parameters").EnumerateArray(),
            p => p.GetProperty("name").GetString() == "Idempotency-Key" && p.GetProperty("in").GetString() == "header");
        Assert.True(paths.TryGetProperty("/api/v1/places/{id}/checkins", out _));
        Assert.True(paths.TryGetProperty("/api/v1/places/nearby", out var nearby));
        Assert.Contains("radius_m", nearby.ToString(), StringComparison.Ordinal);
        Assert.True(paths.TryGetProperty("/api/v1/places/{id}", out _));
    }

    [Fact]
    public async Task OpenApi_responses_come_from_the_typed_results()
    {
        // The handlers' Results<...> signatures, problems included (Problems/TypedProblems.cs), with no .Produces listed.
        var paths = (await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json")).GetProperty("paths");
        JsonElement Responses(string path, string method) => paths.GetProperty(path).GetProperty(method).GetProperty("responses");
        string? Schema(string path, string method, string status, string contentType) => Responses(path, method).GetProperty(status)
            .GetProperty("content").GetProperty(contentType).GetProperty("schema").GetProperty("$ref").GetString();

        Assert.Equal("#/components/schemas/PlaceResponse", Schema("/api/v1/places", "post", "201", "application/json"));
        Assert.Equal("#/components/schemas/HttpValidationProblemDetails",
            Schema("/api/v1/places", "post", "422", "application/problem+json"));
        Assert.Equal("#/components/schemas/ProblemDetails", Schema("/api/v1/places/{id}", "get", "404", "application/problem+json"));
        Assert.Equal(["204", "403", "404"], Responses("/api/v1/checkins/{id}", "delete").EnumerateObject().Select(r => r.Name).Order());
    }
}
