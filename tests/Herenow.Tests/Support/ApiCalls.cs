using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Herenow.Tests.Support;

/// <summary>The calls most API tests start with: sign up, authenticated requests, a place, a check-in.</summary>
public static class ApiCalls
{
    public const string Password = "a long password";

    /// <summary>Creates the account if it does not exist yet and returns a fresh bearer token for it.</summary>
    public static async Task<string> SignUpAsync(this HttpClient http, string username)
    {
        await http.PostAsJsonAsync("/api/v1/accounts", new { username, password = Password });
        var session = await http.PostAsJsonAsync("/api/v1/sessions", new { username, password = Password });
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        return (await session.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    public static async Task<HttpResponseMessage> CallAsync(this HttpClient http, HttpMethod method, string path,
        string? token, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null) request.Content = JsonContent.Create(body);
        return await http.SendAsync(request);
    }

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
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    /// <summary>Checks in right at the place (the default place coordinates) and returns the new id.</summary>
    public static async Task<string> CheckInAsync(this HttpClient http, string token, string placeId, string visibility,
        string? shout = null, double latitude = 52.5200, double longitude = 13.4050)
    {
        var response = await http.CallAsync(HttpMethod.Post, "/api/v1/checkins", token,
            new { place_id = placeId, latitude, longitude, shout, visibility });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
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
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    public static IEnumerable<string> Ids(this JsonElement list) =>
        list.EnumerateArray().Select(c => c.GetProperty("id").GetString()!);
}
