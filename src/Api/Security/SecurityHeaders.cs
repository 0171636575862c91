namespace Herenow.Api.Security;

/// <summary>
/// Security headers on every response (set when the response starts, so errors and 429s carry them too):
/// <list type="bullet">
/// <item><c>X-Content-Type-Options: nosniff</c>: a browser never guesses another type than the one declared (user
/// bytes under /media stay images).</item>
/// <item><c>Referrer-Policy: no-referrer</c>: links followed from anything served here leak no URL (ids, queries).</item>
/// <item><c>X-Frame-Options: DENY</c> and CSP <c>frame-ancestors 'none'</c>: nothing here is meant to be framed.</item>
/// <item><c>Content-Security-Policy: default-src 'none'; frame-ancestors 'none'</c> for the API: JSON and images load
/// nothing, so should a browser ever render a response as a page it runs no script and fetches nothing. /docs (the
/// Scalar page) is the one HTML page: it gets its own policy allowing its script (served from /docs itself, with an
/// inline start-up script), its styles and fonts, and calls to this origin only. The web client (/, /index.html, /app)
/// gets <see cref="WebClient.WebClientPolicy"/>: its own scripts and styles, no inline script.</item>
/// <item><c>Cross-Origin-Resource-Policy</c>: <c>cross-origin</c> for /media, so that other sites (fediverse servers'
/// web interfaces, clients' pages) may embed the images; <c>same-origin</c> for the rest, which keeps other sites from
/// including API responses as no-cors resources (CORS requests are not affected by it).</item>
/// </list>
/// </summary>
public sealed class SecurityHeadersMiddleware(RequestDelegate next, WebClient.WebClientPolicy webClient)
{
    public const string ApiPolicy = "default-src 'none'; frame-ancestors 'none'";

    /// <summary>The Scalar page: its bundled script and inline configuration, styles and fonts (fonts.scalar.com), and fetches of this origin's OpenAPI document.</summary>
    public const string DocsPolicy = "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; " +
                                     "style-src 'self' 'unsafe-inline' https://fonts.scalar.com; font-src 'self' data: https://fonts.scalar.com; " +
                                     "img-src 'self' data: blob: https:; connect-src 'self'; worker-src 'self' blob:; " +
                                     "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public Task InvokeAsync(HttpContext context)
    {
        context.Response.OnStarting(state =>
        {
            Apply((HttpContext)state, webClient);
            return Task.CompletedTask;
        }, context);
        return next(context);
    }

    private static void Apply(HttpContext context, WebClient.WebClientPolicy webClient)
    {
        var headers = context.Response.Headers;
        var path = context.Request.Path;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = path.StartsWithSegments("/docs") ? DocsPolicy
            : WebClient.WebClientPolicy.Serves(path) ? webClient.ContentSecurityPolicy
            : ApiPolicy;
        headers["Cross-Origin-Resource-Policy"] = path.StartsWithSegments("/media") ? "cross-origin" : "same-origin";
    }
}
