using Herenow.Api.Media;
using Microsoft.Extensions.Options;

namespace Herenow.Api.WebClient;

/// <summary>
/// The web client's Content-Security-Policy: its own bundled scripts and styles only (no inline script, no eval), images
/// from this origin, blob: and data: (photo previews) and the media base (when photos are served from another origin),
/// fetches and streams to this origin only. Everything else served here keeps the API's <c>default-src 'none'</c>.
/// </summary>
public sealed class WebClientPolicy(IOptions<MediaOptions> media)
{
    public string ContentSecurityPolicy { get; } =
        "default-src 'none'; script-src 'self'; style-src 'self'; " +
        $"img-src 'self' blob: data:{MediaOrigin(media.Value.BaseUrl)}; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    /// <summary>The paths of the web client's files: the page itself and its bundle under /app (see web/build.mjs).</summary>
    public static bool Serves(PathString path) =>
        path == "/" || path == "/index.html" || path.StartsWithSegments("/app");

    private static string MediaOrigin(string baseUrl) =>
        Uri.TryCreate(baseUrl, UriKind.Absolute, out var uri) ? " " + uri.GetLeftPart(UriPartial.Authority) : "";
}
