using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Herenow.Api.WebClient;

/// <summary>
/// Serves the web client (built by <c>scripts/web.sh build</c> from <c>web/</c>) at <c>/</c>: static files only, with
/// middleware rather than a routed fallback, so every API path keeps its own answer (an unknown /api path is still a
/// 404 problem document) and the authorization matrix has no endpoint to cover. The client routes with the URL
/// fragment (<c>/#/places/…</c>), so no server-side fallback to index.html is needed.
/// </summary>
public static class WebClientHosting
{
    public const string RootSetting = "Herenow:WebClient:Root";

    public static IServiceCollection AddWebClient(this IServiceCollection services) =>
        services.AddSingleton<WebClientPolicy>();

    public static WebApplication UseWebClient(this WebApplication app)
    {
        // Default: wwwroot beside the API (where scripts/web.sh puts it); a relative setting is from the content root.
        var root = Path.GetFullPath(app.Configuration[RootSetting] ?? "wwwroot", app.Environment.ContentRootPath);
        var index = Path.Combine(root, "index.html");
        if (!File.Exists(index))
        {
            app.Logger.LogWarning("The web client is not built ({Index} is missing): / answers 503 until scripts/web.sh build has run. The API itself works.", index);
            app.Use((context, next) => context.Request.Path == "/" && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
                ? Results.Problem(title: "The web client is not built",
                    detail: "Run scripts/web.sh build (scripts/run.sh does) and restart the API. The API itself works: see /docs.",
                    statusCode: StatusCodes.Status503ServiceUnavailable).ExecuteAsync(context)
                : next(context));
            return app;
        }
        var files = new PhysicalFileProvider(root);
        var types = new FileExtensionContentTypeProvider();
        types.Mappings[".map"] = "application/json";
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            ContentTypeProvider = types,
            // Unhashed names: revalidate every time (ETag, 304), so a rebuilt client is picked up at once.
            OnPrepareResponse = ctx => ctx.Context.Response.Headers.CacheControl = "no-cache",
        });
        return app;
    }
}
