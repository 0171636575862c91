using Herenow.Api.Problems;
using Herenow.Grains.Common;

namespace Herenow.Api.Common;

/// <summary>Reads limit/max_id/since_id/min_id and writes the Link header (rel="next" older, rel="prev" newer).</summary>
public static class Paging
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 40;

    public static PageQuery? Read(HttpRequest request, FieldErrors errors)
    {
        var limit = DefaultLimit;
        if (request.Query.TryGetValue("limit", out var raw))
        {
            if (!int.TryParse(raw, out limit) || limit < 1)
            {
                errors.Add("limit", "must be a positive whole number");
                return null;
            }
            limit = Math.Min(limit, MaxLimit);
        }
        string? Id(string name)
        {
            var value = request.Query[name].ToString();
            if (value.Length == 0) return null;
            if (value.Length > 64) errors.Add(name, "is too long");
            // Ids reach grains and SQL: PostgreSQL refuses NUL in text (which surfaced as a 500), and no id of ours has
            // control characters or lone surrogates.
            else if (value.Any(c => char.IsControl(c) || char.IsSurrogate(c))) errors.Add(name, "is not an id from this API");
            return value;
        }
        var query = new PageQuery(Id("max_id"), Id("since_id"), Id("min_id"), limit);
        return errors.Any ? null : query;
    }

    public static void WriteLink<T>(HttpContext context, IReadOnlyList<T> rawPage, Func<T, string> id)
    {
        if (rawPage.Count > 0)
        {
            WriteLink(context, id(rawPage[0]), id(rawPage[^1]));
        }
    }

    /// <summary>The same, from the ids of the raw page's first (newest) and last (oldest) entries; nothing when empty.</summary>
    public static void WriteLink(HttpContext context, string? newestId, string? oldestId)
    {
        if (newestId is null || oldestId is null)
        {
            return;
        }
        var path = context.Request.Path.ToString();
        var limit = context.Request.Query["limit"].ToString();
        var suffix = limit.Length > 0 ? $"&limit={Uri.EscapeDataString(limit)}" : "";
        context.Response.Headers.Link =
            $"<{path}?max_id={oldestId}{suffix}>; rel=\"next\", <{path}?min_id={newestId}{suffix}>; rel=\"prev\"";
    }
}
