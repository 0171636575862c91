using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Herenow.Api.Checkins;

namespace Herenow.Tests.Support;

/// <summary>
/// The test client: the calls most API tests start with (sign up, authenticated requests, a place, a check-in), and
/// responses read as the API's own contract records (<see cref="CheckinResponse"/>, <see cref="Herenow.Api.Accounts.AccountResponse"/>,
/// ...) with the API's JSON options. Raw JSON (<see cref="GetJsonAsync"/>) is for contract tests of the JSON shape itself.
/// </summary>
public static class ApiCalls
{
    public const string Password = "a long password";

    /// <summary>
    /// The API's JSON (snake_case, as ApiHosting configures it), read strictly: a missing constructor field or a null
    /// where the record says non-null fails the read, so the records are checked against what the API sends.
    /// </summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>The body as <typeparamref name="T"/> (a contract record, or a list of them).</summary>
    public static async Task<T> ReadAsync<T>(this HttpResponseMessage response)
    {
        var body = await response.Content.ReadFromJsonAsync<T>(Json);
        Assert.NotNull(body);
        return body;
    }

    /// <summary>GET, asserting 200, read as <typeparamref name="T"/>.</summary>
    public static Task<T> GetAsync<T>(this HttpClient http, string path, string? token = null) =>
        http.CallAsync<T>(HttpMethod.Get, path, token);

    /// <summary>A request, asserting the status (200 unless told), its body read as <typeparamref name="T"/>.</summary>
    public static async Task<T> CallAsync<T>(this HttpClient http, HttpMethod method, string path, string? token,
        object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var response = await http.CallAsync(method, path, token, body);
        Assert.True(response.StatusCode == expected,
            $"{method} {path}: expected {(int)expected} but got {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.ReadAsync<T>();
    }

    /// <summary>A feed or list of check-ins (home, global, a place's, an account's history).</summary>
    public static Task<List<CheckinResponse>> CheckinsAsync(this HttpClient http, string path, string? token) =>
        http.GetAsync<List<CheckinResponse>>(path, token);

    public static IEnumerable<string> Ids(this IEnumerable<CheckinResponse> checkins) => checkins.Select(c => c.Id);

    /// <summary>Posts a check-in (an anonymous object with the request's snake_case fields), asserting 201.</summary>
    public static Task<CheckinResponse> PostCheckinAsync(this HttpClient http, string token, object body) =>
        http.CallAsync<CheckinResponse>(HttpMethod.Post, "/api/v1/checkins", token, body, HttpStatusCode.Created);

    /// <summary>Creates the account if it does not exist yet and returns a fresh bearer token for it.</summary>
    public static async Task<string> SignUpAsync(this HttpClient http, string username)
    {
        await http.PostAsJsonAsync("/api/v1/accounts", new { username, password = Password });
        var session = await http.PostAsJsonAsync("/api/v1/sessions", new { username, password = Password });
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        return (await session.ReadAsync<Herenow.Api.Sessions.SessionResponse>()).AccessToken;
    }

    public static async Task<HttpResponseMessage> CallAsync(this HttpClient http, HttpMethod method, string path,
        string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await http.SendAsync(request);
    }

    /// <summary>GET, asserting 200, as raw JSON: for tests of the JSON shape itself (field names, nulls).</summary>
    public static async Task<JsonElement> GetJsonAsync(this HttpClient http, string path, string? token)
    {
        var response = await http.CallAsync(HttpMethod.Get, path, token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static async Task<string> CreatePlaceAsync(this HttpClient http, string token, string name,
        double latitude = 52.5200, double longitude = 13.4050)
    {
        var response = await http.CallAsync(HttpMethod.Post, "/api/v1/places", token, new { name, latitude, longitude });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadAsync<Herenow.Api.Places.PlaceResponse>()).Id;
    }

    /// <summary>Checks in right at the place (the default place coordinates) and returns the new id.</summary>
    public static async Task<string> CheckInAsync(this HttpClient http, string token, string placeId, string visibility,
        string? shout = null, double latitude = 52.5200, double longitude = 13.4050)
    {
        return (await http.PostCheckinAsync(token, new { place_id = placeId, latitude, longitude, shout, visibility })).Id;
    }

    /// <summary>Uploads a generated JPEG (a gradient, so it compresses like a photo) with alt text; returns the media id.</summary>
    public static async Task<string> UploadPhotoAsync(this HttpClient http, string token, string description, int width = 640, int height = 480)
    {
        using var image = TestImages.Gradient(width, height);
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(TestImages.Jpeg(image));
        part.Headers.ContentType = new MediaTypeHeaderValue("image/jpeg");
        form.Add(part, "file", "photo.jpg");
        form.Add(new StringContent(description), "description");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/media") { Content = form };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.ReadAsync<Herenow.Api.Media.MediaResponse>()).Id;
    }

    /// <summary>The ids of a raw JSON list (contract tests; typed lists use <see cref="Ids(IEnumerable{CheckinResponse})"/>).</summary>
    public static IEnumerable<string> Ids(this JsonElement list) =>
        list.EnumerateArray().Select(c => c.GetProperty("id").GetString()!);
}
