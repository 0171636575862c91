using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Herenow.Grains.Federation.Atproto;

/// <summary>An AT Protocol session on a PDS: who we are there and the two tokens.</summary>
[GenerateSerializer, Alias("herenow.atproto-session")]
public sealed record AtprotoSession(
    [property: Id(0)] string Did,
    [property: Id(1)] string Handle,
    [property: Id(2)] string AccessJwt,
    [property: Id(3)] string RefreshJwt);

/// <summary>An XRPC error as the PDS sent it (<c>{"error": "...", "message": "..."}</c>), with the HTTP status.</summary>
public sealed class XrpcException(HttpStatusCode status, string error, string message)
    : Exception($"{(int)status} {error}: {message}")
{
    public HttpStatusCode Status { get; } = status;
    public string Error { get; } = error;
    public string Detail { get; } = message;

    /// <summary>The access token expired or is no longer valid: refresh (or log in again) and repeat.</summary>
    public bool IsExpiredSession => Error is "ExpiredToken" or "InvalidToken" || Status == HttpStatusCode.Unauthorized;

    /// <summary>Trying again later may work (the PDS is down, overloaded, or rate limiting).</summary>
    public bool IsTransient => (int)Status >= 500 || Status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
}

/// <summary>
/// The few XRPC calls Herenow makes, on HttpClient and System.Text.Json. The HttpClient comes with the federation
/// handler (addresses checked after DNS, no private networks unless allowed): a PDS URL is user input.
/// </summary>
public sealed class XrpcClient(HttpClient http)
{
    private const int MaxResponseBytes = 1_048_576;

    public async Task<AtprotoSession> CreateSessionAsync(Uri pds, string identifier, string password, CancellationToken ct = default)
    {
        var body = new JsonObject { ["identifier"] = identifier, ["password"] = password };
        return ToSession(await SendAsync(HttpMethod.Post, pds, "com.atproto.server.createSession", null, Json(body), ct));
    }

    public async Task<AtprotoSession> RefreshSessionAsync(Uri pds, string refreshJwt, CancellationToken ct = default) =>
        ToSession(await SendAsync(HttpMethod.Post, pds, "com.atproto.server.refreshSession", refreshJwt, null, ct));

    /// <summary>Uploads bytes; returns the blob reference to put in a record.</summary>
    public async Task<JsonNode> UploadBlobAsync(Uri pds, string accessJwt, byte[] content, string mimeType, CancellationToken ct = default)
    {
        var payload = new ByteArrayContent(content);
        payload.Headers.ContentType = new MediaTypeHeaderValue(mimeType);
        var response = await SendAsync(HttpMethod.Post, pds, "com.atproto.repo.uploadBlob", accessJwt, payload, ct);
        return JsonNode.Parse(response.GetProperty("blob").GetRawText())!;
    }

    /// <summary>Creates or replaces the record at (collection, rkey): repeating it is harmless. Returns its uri and cid.</summary>
    public async Task<(string Uri, string Cid)> PutRecordAsync(Uri pds, string accessJwt, string repo, string collection, string rkey, JsonObject record,
        CancellationToken ct = default)
    {
        var body = new JsonObject { ["repo"] = repo, ["collection"] = collection, ["rkey"] = rkey, ["record"] = record };
        var response = await SendAsync(HttpMethod.Post, pds, "com.atproto.repo.putRecord", accessJwt, Json(body), ct);
        return (response.GetProperty("uri").GetString()!, response.GetProperty("cid").GetString()!);
    }

    /// <summary>Deletes the record; deleting one that is not there is not an error.</summary>
    public async Task DeleteRecordAsync(Uri pds, string accessJwt, string repo, string collection, string rkey, CancellationToken ct = default)
    {
        var body = new JsonObject { ["repo"] = repo, ["collection"] = collection, ["rkey"] = rkey };
        await SendAsync(HttpMethod.Post, pds, "com.atproto.repo.deleteRecord", accessJwt, Json(body), ct);
    }

    private static StringContent Json(JsonObject body) => new(body.ToJsonString(), Encoding.UTF8, "application/json");

    private static AtprotoSession ToSession(JsonElement r) => new(
        r.GetProperty("did").GetString()!, r.GetProperty("handle").GetString()!,
        r.GetProperty("accessJwt").GetString()!, r.GetProperty("refreshJwt").GetString()!);

    private async Task<JsonElement> SendAsync(HttpMethod method, Uri pds, string nsid, string? bearer, HttpContent? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, new Uri(pds, "/xrpc/" + nsid)) { Content = content };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var bytes = await ReadLimitedAsync(response.Content, timeout.Token);
        JsonElement json = default;
        if (bytes.Length > 0)
        {
            try
            {
                using var document = JsonDocument.Parse(bytes);
                json = document.RootElement.Clone();
            }
            catch (JsonException) when (!response.IsSuccessStatusCode)
            {
            }
        }
        if (!response.IsSuccessStatusCode)
        {
            var error = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var e) ? e.GetString() ?? "Error" : "Error";
            var message = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("message", out var m) ? m.GetString() ?? "" : response.ReasonPhrase ?? "";
            throw new XrpcException(response.StatusCode, error, message);
        }
        return json;
    }

    private static async Task<byte[]> ReadLimitedAsync(HttpContent content, CancellationToken ct)
    {
        await using var stream = await content.ReadAsStreamAsync(ct);
        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxResponseBytes)
            {
                throw new XrpcException(HttpStatusCode.BadGateway, "ResponseTooLarge", $"The PDS answered more than {MaxResponseBytes} bytes.");
            }
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
