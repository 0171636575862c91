using System.Text.Json;

namespace Herenow.Grains.Federation.ActivityPub;

/// <summary>
/// Defensive reading of compacted JSON-LD as Mastodon, Pixelfed and Fedify send it: a property may be a string, an
/// object with an id, or an array of either; "type" may be a string or an array; unknown properties are ignored.
/// Every accessor returns null (or empty) rather than throwing on a shape it did not expect.
/// </summary>
public static class LdJson
{
    public const string Public = "https://www.w3.org/ns/activitystreams#Public";

    public static JsonElement? Property(this JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null
            ? value : null;

    public static string? Text(this JsonElement element, string name) =>
        element.Property(name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    /// <summary>The id of a property that is a link: a string, an object's "id", or the first of an array of those.</summary>
    public static string? IdOf(this JsonElement element, string name) => element.Property(name) is { } value ? Id(value) : null;

    public static string? Id(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => value.GetString(),
        JsonValueKind.Object => value.Text("id") ?? value.Text("href"),
        JsonValueKind.Array => value.EnumerateArray().Select(Id).FirstOrDefault(id => id is not null),
        _ => null,
    };

    /// <summary>Every id a property lists ("to", "cc"): a single value or an array.</summary>
    public static List<string> Ids(this JsonElement element, string name) => element.Property(name) is not { } value
        ? []
        : value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Select(Id).OfType<string>().ToList()
            : Id(value) is { } one ? [one] : [];

    /// <summary>Whether "type" is, or includes, <paramref name="type"/> (compacted names: "Note", "Create").</summary>
    public static bool IsType(this JsonElement element, string type) => element.Property("type") switch
    {
        { ValueKind: JsonValueKind.String } t => t.GetString() == type,
        { ValueKind: JsonValueKind.Array } ts => ts.EnumerateArray().Any(t => t.ValueKind == JsonValueKind.String && t.GetString() == type),
        _ => false,
    };

    public static string? Type(this JsonElement element) => element.Property("type") switch
    {
        { ValueKind: JsonValueKind.String } t => t.GetString(),
        { ValueKind: JsonValueKind.Array } ts => ts.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()).FirstOrDefault(),
        _ => null,
    };

    /// <summary>A number that may arrive as a JSON number or a numeric string (some servers quote coordinates).</summary>
    public static double? Number(this JsonElement element, string name) => element.Property(name) switch
    {
        { ValueKind: JsonValueKind.Number } n when n.TryGetDouble(out var d) && double.IsFinite(d) => d,
        { ValueKind: JsonValueKind.String } s when double.TryParse(s.GetString(), System.Globalization.NumberStyles.Float,
            System.Globalization.CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) => d,
        _ => null,
    };

    /// <summary>The first object of a property that may be an object or an array of objects.</summary>
    public static JsonElement? FirstObject(this JsonElement element, string name) => element.Property(name) switch
    {
        { ValueKind: JsonValueKind.Object } o => o,
        { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object).Cast<JsonElement?>().FirstOrDefault(),
        _ => null,
    };

    public static IEnumerable<JsonElement> Objects(this JsonElement element, string name) => element.Property(name) switch
    {
        { ValueKind: JsonValueKind.Object } o => [o],
        { ValueKind: JsonValueKind.Array } a => a.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object).ToList(),
        _ => [],
    };
}
