using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Herenow.Chaos;

/// <summary>One HTTP request's outcome as the ledger keeps it: when it was sent, how long it took, what came back.</summary>
public sealed record Attempt(TimeSpan SentAt, TimeSpan Took, int Status, bool RetryAfter, string? Error);

/// <summary>A logical check-in: its attempts (retries share one Idempotency-Key) and, if acknowledged, its id.</summary>
public sealed record LoggedCheckin(string Author, string Shout, List<Attempt> Attempts, string? Id);

/// <summary>The API as a careful client uses it: bearer tokens, Idempotency-Key on writes, bounded retries.</summary>
public sealed class ChaosClient(HttpClient http, Stopwatch clock)
{
    private const int MaxAttempts = 4;
    private static readonly TimeSpan BaseBackoff = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(3);

    public async Task<string> SignUpAsync(string username, string password)
    {
        await Ensure(await http.PostAsJsonAsync("/api/v1/accounts", new { username, password }), HttpStatusCode.Created);
        var session = await http.PostAsJsonAsync("/api/v1/sessions", new { username, password });
        await Ensure(session, HttpStatusCode.OK);
        return (await session.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, string token, object? body, HttpStatusCode expected)
    {
        using var response = await http.SendAsync(Request(method, path, token, body, null));
        await Ensure(response, expected);
        return response.Content.Headers.ContentLength == 0 ? default : await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>
    /// Posts one check-in, retrying 503s and transport failures with the same Idempotency-Key after exponential
    /// backoff with full jitter (at least the server's Retry-After); acknowledged only by a 201.
    /// </summary>
    public async Task<LoggedCheckin> CheckInAsync(string author, string token, string placeId, string shout)
    {
        var key = Guid.NewGuid().ToString("N");
        var attempts = new List<Attempt>();
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var sentAt = clock.Elapsed;
            TimeSpan? retryAfter = null;
            try
            {
                using var response = await http.SendAsync(Request(HttpMethod.Post, "/api/v1/checkins", token,
                    new { place_id = placeId, latitude = 52.5200, longitude = 13.4050, shout, visibility = "public" }, key));
                retryAfter = response.Headers.RetryAfter?.Delta;
                attempts.Add(new Attempt(sentAt, clock.Elapsed - sentAt, (int)response.StatusCode, retryAfter is not null, null));
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
                    return new LoggedCheckin(author, shout, attempts, id);
                }
                if (response.StatusCode is not (HttpStatusCode.ServiceUnavailable or HttpStatusCode.Conflict or HttpStatusCode.InternalServerError))
                {
                    break; // a 4xx other than 409 (the same key still in flight) will not change on retry
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                attempts.Add(new Attempt(sentAt, clock.Elapsed - sentAt, 0, false, e.GetType().Name));
            }
            var ceiling = Math.Min(MaxBackoff.TotalMilliseconds, BaseBackoff.TotalMilliseconds * Math.Pow(2, attempt));
            var wait = TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * ceiling);
            await Task.Delay(retryAfter is { } server && server > wait ? server : wait);
        }
        return new LoggedCheckin(author, shout, attempts, null);
    }

    /// <summary>Every item of a paginated list, newest first, following max_id.</summary>
    public async Task<List<JsonElement>> AllPagesAsync(string path, string token)
    {
        var items = new List<JsonElement>();
        string? maxId = null;
        while (true)
        {
            var page = await SendAsync(HttpMethod.Get, $"{path}?limit=40{(maxId is null ? "" : "&max_id=" + maxId)}", token, null, HttpStatusCode.OK);
            var list = page.EnumerateArray().ToList();
            items.AddRange(list);
            if (list.Count < 40) return items;
            maxId = list[^1].GetProperty("id").GetString();
        }
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string token, object? body, string? idempotencyKey)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (body is not null) request.Content = JsonContent.Create(body);
        return request;
    }

    private static async Task Ensure(HttpResponseMessage response, HttpStatusCode expected)
    {
        if (response.StatusCode != expected)
        {
            throw new InvalidOperationException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: " +
                $"{(int)response.StatusCode}, expected {(int)expected}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
