using Herenow.Grains.Federation.Signatures;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Herenow.Tests.Federation;

/// <summary>Turns requests into what the verifier reads, the way an inbox endpoint would.</summary>
internal static class Requests
{
    /// <summary>A request as it would arrive: its headers (request and content), target and body.</summary>
    public static SignedRequest Received(HttpRequestMessage message, ReadOnlyMemory<byte> body)
    {
        var headers = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        var all = message.Headers.AsEnumerable();
        if (message.Content is not null)
        {
            all = all.Concat(message.Content.Headers);
        }
        foreach (var (name, values) in all)
        {
            if (!headers.TryGetValue(name, out var list))
            {
                headers[name] = list = [];
            }
            list.AddRange(values);
        }
        return new SignedRequest(message.Method.Method, message.RequestUri!, Lookup(headers), body);
    }

    public static Func<string, string?> Lookup(Dictionary<string, List<string>> headers) =>
        name => headers.TryGetValue(name, out var values) ? string.Join(", ", values) : null;

    /// <summary>
    /// From ASP.NET Core: the target is rebuilt from the scheme, the Host header and the raw request target (the path
    /// and query exactly as sent; Request.Path is decoded and would not match what was signed).
    /// </summary>
    public static SignedRequest FromContext(HttpContext context, byte[] body)
    {
        var request = context.Request;
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (request.PathBase + request.Path + request.QueryString).ToString();
        var target = new Uri($"{request.Scheme}://{request.Host}{raw}");
        return new SignedRequest(request.Method, target, name => request.Headers.TryGetValue(name, out var values) ? string.Join(", ", values.ToArray()) : null, body);
    }
}
