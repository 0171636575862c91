using Herenow.Grains.Cluster;

namespace Herenow.Api.Cluster;

/// <summary>
/// Co-hosted mode (ADR 0028): the API's process is also a full silo of the cluster, and the endpoints call grains
/// through that silo's own <see cref="IClusterClient"/> (no gateway hop). Opt-in with
/// <c>Herenow:Api:CoHostSilo=true</c> or the <c>--cohost</c> argument; the default stays a separate Orleans client.
/// </summary>
public static class CoHosting
{
    public const string Key = "Herenow:Api:CoHostSilo";
    public const string Argument = "--cohost";

    /// <summary>The deadline the API's requests carry, as the separate client's response timeout (ApiHosting).</summary>
    public static readonly TimeSpan RequestDeadline = TimeSpan.FromSeconds(10);

    /// <summary>The arguments without <c>--cohost</c> (the command-line provider would read the next one as its value).</summary>
    public static string[] StripArgument(string[] args, out bool given)
    {
        given = args.Contains(Argument, StringComparer.Ordinal);
        return given ? [.. args.Where(a => a != Argument)] : args;
    }

    public static bool Enabled(IConfiguration configuration) =>
        bool.TryParse(configuration[Key], out var on) && on;
}

/// <summary>
/// Co-hosted: stamps the API's grain calls with a deadline, as <see cref="CallDeadlineStamp"/> does on the separate
/// client. Only calls made by an HTTP request outside any grain: grain-to-grain calls and the silo's background work
/// keep what they had (a flowing deadline, or none).
/// </summary>
public sealed class CoHostedCallDeadlineStamp(IHttpContextAccessor http, TimeProvider clock) : IOutgoingGrainCallFilter
{
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        if (context.SourceContext is null && http.HttpContext is not null && RequestContext.Get(CallDeadline.Key) is null)
        {
            RequestContext.Set(CallDeadline.Key, (clock.GetUtcNow() + CoHosting.RequestDeadline).ToUnixTimeMilliseconds());
        }
        return context.Invoke();
    }
}
