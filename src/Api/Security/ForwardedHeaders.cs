using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace Herenow.Api.Security;

/// <summary>
/// The reverse proxies whose X-Forwarded-For and X-Forwarded-Proto the API believes (configuration section
/// "Herenow:ForwardedHeaders"). Rate limits and the login throttle key on the client address (<see cref="ClientAddress"/>);
/// behind a proxy every connection comes from the proxy, so without this all clients share one budget. Nothing is
/// believed until a proxy or network is listed, so a client cannot name its own address.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string Section = "Herenow:ForwardedHeaders";

    /// <summary>The proxies' addresses, e.g. 10.0.0.5 (environment: <c>Herenow__ForwardedHeaders__KnownProxies__0</c>).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks whose every address is a proxy, in CIDR notation, e.g. 10.0.0.0/24.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>
    /// Proxies in the chain in front of the API. Each appends the address it saw to X-Forwarded-For, so the client is
    /// this many entries from the right; entries further left were written by the client and are ignored.
    /// </summary>
    public int ForwardLimit { get; set; } = 1;

    public bool Enabled => KnownProxies.Count > 0 || KnownNetworks.Count > 0;

    /// <summary>ASP.NET Core's options for these settings; throws, naming the key, when an entry does not parse.</summary>
    public ForwardedHeadersOptions ToOptions()
    {
        if (ForwardLimit < 1)
        {
            throw new InvalidOperationException($"{Section}:ForwardLimit must be at least 1.");
        }
        var options = new ForwardedHeadersOptions
        {
            // Not X-Forwarded-Host: public URLs come from Herenow:Federation:PublicUrl, never from the request.
            ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto,
            ForwardLimit = ForwardLimit,
        };
        // The defaults trust loopback; only what is configured here is trusted.
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        foreach (var proxy in KnownProxies)
        {
            options.KnownProxies.Add(IPAddress.TryParse(proxy.Trim(), out var address)
                ? address
                : throw new InvalidOperationException($"{Section}:KnownProxies: '{proxy}' is not an IP address."));
        }
        foreach (var network in KnownNetworks)
        {
            options.KnownIPNetworks.Add(System.Net.IPNetwork.TryParse(network.Trim(), out var parsed)
                ? parsed
                : throw new InvalidOperationException($"{Section}:KnownNetworks: '{network}' is not a network in CIDR notation (e.g. 10.0.0.0/24)."));
        }
        return options;
    }
}

public static class ForwardedHeadersHosting
{
    public static IServiceCollection AddForwardedHeadersSettings(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ForwardedHeadersSettings>().Bind(configuration.GetSection(ForwardedHeadersSettings.Section));
        return services;
    }

    /// <summary>First in the pipeline, so that rate limits, the login throttle and logs see the client's address.</summary>
    public static WebApplication UseHerenowForwardedHeaders(this WebApplication app)
    {
        var settings = app.Services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value;
        if (settings.Enabled)
        {
            app.UseForwardedHeaders(settings.ToOptions());
        }
        return app;
    }
}
