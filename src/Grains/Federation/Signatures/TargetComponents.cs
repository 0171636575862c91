using System.Globalization;

namespace Herenow.Grains.Federation.Signatures;

/// <summary>The parts of a request URL that both schemes sign, derived the same way on the signing and verifying side.</summary>
internal static class TargetComponents
{
    /// <summary>"@target-uri": scheme://authority/path?query, no fragment, default port omitted (as WHATWG URL serializes it).</summary>
    public static string TargetUri(Uri uri) => uri.GetComponents(UriComponents.HttpRequestUrl, UriFormat.UriEscaped);

    /// <summary>"@authority" and the Host header: the host in ASCII (punycode), with the port only when not the default.</summary>
    public static string Authority(Uri uri) =>
        uri.IsDefaultPort ? uri.IdnHost : uri.IdnHost + ":" + uri.Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>"@path": the escaped absolute path.</summary>
    public static string Path(Uri uri) => uri.AbsolutePath;

    /// <summary>"@query": the query with its leading "?", or "?" alone when there is none (RFC 9421 §2.2.7).</summary>
    public static string Query(Uri uri) => uri.Query.Length == 0 ? "?" : uri.Query;

    /// <summary>"@request-target" (RFC 9421) and the draft's (request-target) after the method: path and query.</summary>
    public static string PathAndQuery(Uri uri) => uri.PathAndQuery;
}
