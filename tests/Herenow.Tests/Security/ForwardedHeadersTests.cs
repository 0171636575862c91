using System.Net;
using Herenow.Api.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Configuration;

namespace Herenow.Tests.Security;

/// <summary>
/// Herenow:ForwardedHeaders: the client address the rate limits key on (<see cref="ClientAddress"/>) is the forwarded
/// one only behind a configured proxy. The pipeline is the API's own registration on a bare app, so no cluster is needed.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private const string Proxy = "10.0.0.5";
    private const string Client = "203.0.113.7";

    [Fact]
    public async Task Without_settings_the_header_is_ignored()
    {
        Assert.Equal(Proxy, await ClientKeyAsync([], from: Proxy, forwardedFor: Client));
    }

    [Fact]
    public async Task A_known_proxy_forwards_the_client_address()
    {
        Assert.Equal(Client, await ClientKeyAsync(Settings(("KnownProxies:0", Proxy)), from: Proxy, forwardedFor: Client));
    }

    [Fact]
    public async Task A_known_network_forwards_the_client_address()
    {
        Assert.Equal(Client, await ClientKeyAsync(Settings(("KnownNetworks:0", "10.0.0.0/24")), from: Proxy, forwardedFor: Client));
    }

    [Fact]
    public async Task A_header_from_anyone_else_is_ignored()
    {
        Assert.Equal("198.51.100.9", await ClientKeyAsync(Settings(("KnownProxies:0", Proxy)), from: "198.51.100.9", forwardedFor: Client));
    }

    [Fact]
    public async Task An_address_the_client_wrote_into_the_header_is_not_believed()
    {
        // The client sent "X-Forwarded-For: 192.0.2.1"; the proxy appended the address it saw.
        Assert.Equal(Client, await ClientKeyAsync(Settings(("KnownProxies:0", Proxy)), from: Proxy, forwardedFor: "192.0.2.1, " + Client));
    }

    [Fact]
    public async Task IPv6_clients_keep_their_64_prefix_key()
    {
        Assert.Equal("2001:db8:1:2::/64", await ClientKeyAsync(Settings(("KnownProxies:0", Proxy)), from: Proxy, forwardedFor: "2001:db8:1:2:3:4:5:6"));
    }

    [Theory]
    [InlineData("KnownProxies:1", "proxy.internal", "KnownProxies")]
    [InlineData("KnownNetworks:0", "10.0.0.0", "KnownNetworks")]
    [InlineData("ForwardLimit", "0", "ForwardLimit")]
    public async Task A_bad_entry_stops_the_start_naming_the_key(string key, string value, string named)
    {
        var settings = Settings(("KnownProxies:0", Proxy), (key, value));
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ClientKeyAsync(settings, from: Proxy, forwardedFor: Client));
        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Settings(params (string Key, string Value)[] entries) =>
        entries.ToDictionary(e => ForwardedHeadersSettings.Section + ":" + e.Key, e => (string?)e.Value);

    private static async Task<string> ClientKeyAsync(Dictionary<string, string?> settings, string from, string forwardedFor)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddForwardedHeadersSettings(builder.Configuration);
        await using var app = builder.Build();
        app.UseHerenowForwardedHeaders();
        app.MapGet("/", (HttpContext context) => ClientAddress.Key(context));
        await app.StartAsync();
        var context = await app.GetTestServer().SendAsync(c =>
        {
            c.Connection.RemoteIpAddress = IPAddress.Parse(from);
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/";
            c.Request.Headers["X-Forwarded-For"] = forwardedFor;
        });
        using var reader = new StreamReader(context.Response.Body);
        return await reader.ReadToEndAsync();
    }
}
