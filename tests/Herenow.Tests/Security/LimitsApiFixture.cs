using System.Net;
using System.Text;
using System.Text.Json;
using Herenow.Tests.Support;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Herenow.Tests.Security;

/// <summary>
/// One real cluster for the limit tests, with as many API processes in front of it as the tests need, each with its own
/// settings (small limits). Tokens work on all of them: sessions live in the cluster.
/// </summary>
public sealed class LimitsApiFixture : IAsyncLifetime
{
    private readonly List<WebApplicationFactory<Program>> apis = [];

    public RealCluster Cluster { get; private set; } = null!;

    /// <summary>An API with the tests' generous limits, for signing up the accounts the other APIs are tried with.</summary>
    public WebApplicationFactory<Program> Generous { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Cluster = await RealCluster.StartAsync(silos: 1);
        Generous = Api(new Dictionary<string, string?>());
    }

    public WebApplicationFactory<Program> Api(IDictionary<string, string?> settings)
    {
        var api = ApiHost.CreateApi(Cluster, settings);
        apis.Add(api);
        return api;
    }

    public async Task DisposeAsync()
    {
        foreach (var api in apis)
        {
            await api.DisposeAsync();
        }
        await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class LimitsCollection : ICollectionFixture<LimitsApiFixture>
{
    public const string Name = "Security limits";
}

/// <summary>Requests the limit tests send in ways HttpClient does not: from a chosen client address, or chunked.</summary>
public static class LimitsRequests
{
    /// <summary>A JSON POST as if from <paramref name="address"/> (the test server's HttpClient has no address at all).</summary>
    public static Task<HttpContext> PostJsonFrom(this WebApplicationFactory<Program> api, string address, string path, object body) =>
        api.PostFrom(address, path, JsonSerializer.SerializeToUtf8Bytes(body), chunked: false);

    /// <summary>A POST of raw JSON bytes as if from <paramref name="address"/>; chunked: without Content-Length.</summary>
    public static async Task<HttpContext> PostFrom(this WebApplicationFactory<Program> api, string address, string path, byte[] bytes,
        bool chunked, string? token = null) =>
        await api.Server.SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse(address);
            c.Request.Method = HttpMethods.Post;
            c.Request.Path = path;
            c.Request.ContentType = "application/json";
            if (!chunked) c.Request.ContentLength = bytes.Length;
            else c.Request.Headers.TransferEncoding = "chunked";
            c.Request.Body = new MemoryStream(bytes);
            // The test server decided "no body" before this ran; a request with one says so.
            c.Features.Set<IHttpRequestBodyDetectionFeature>(new HasBody());
            if (token is not null) c.Request.Headers.Authorization = "Bearer " + token;
        });

    private sealed class HasBody : IHttpRequestBodyDetectionFeature
    {
        public bool CanHaveBody => true;
    }

    public static async Task<JsonDocument> ReadJson(this HttpContext context)
    {
        return await JsonDocument.ParseAsync(context.Response.Body);
    }

    public static byte[] JsonOfSize(int bytes, string field = "name") =>
        Encoding.UTF8.GetBytes($"{{\"{field}\":\"{new string('x', bytes - field.Length - 7)}\"}}");
}
