using System.Globalization;
using System.Text;
using CsCheck;

namespace Herenow.Tests.Security;

/// <summary>
/// Generators of hostile JSON, written as text (so that lone surrogates, NUL escapes, huge numbers and broken syntax
/// can be said): valid shapes with wrong types, extreme numbers, "NaN" strings, deep nesting, unicode, nulls, missing
/// and extra fields.
/// </summary>
public static class FuzzGens
{
    /// <summary>Strings as JSON literals, quotes included; escapes as a client might send them.</summary>
    public static readonly Gen<string> StringLiteral = Gen.OneOf(
        Gen.String[0, 40].Select(Quote),
        Gen.Const("\"\""),
        Gen.Const("\"NaN\""), Gen.Const("\"Infinity\""), Gen.Const("\"-0\""), Gen.Const("\"1e999\""),
        Gen.Const("\"\\u0000\""), Gen.Const("\"a\\u0000b\""), Gen.Const("\"\\ud800\""), Gen.Const("\"x\\udfff\""),
        Gen.Const("\"\\ud83d\\ude00\""), Gen.Const("\"\u202e\u0301\u200b\""), Gen.Const("\"  \""),
        Gen.Const("\"public\""), Gen.Const("\"followers\""), Gen.Const("\"private\""), Gen.Const("\"PUBLIC\""),
        Gen.Int[0, 2000].Select(n => Quote(new string('é', n))),
        Gen.Int[0, 400].Select(n => Quote(new string('a', n))));

    public static readonly Gen<string> NumberLiteral = Gen.OneOf(
        Gen.Double[-200, 200].Select(d => d.ToString("R", CultureInfo.InvariantCulture)),
        Gen.Int.Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Long.Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Const("1e309"), Gen.Const("-1e309"), Gen.Const("1e-400"), Gen.Const("-0"), Gen.Const("0.0"),
        Gen.Const("179769313486231570000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"),
        Gen.Const("123456789012345678901234567890"), Gen.Const("52.52"), Gen.Const("13.405"), Gen.Const("90.0000001"));

    public static readonly Gen<string> Scalar = Gen.Frequency(
        (4, StringLiteral), (4, NumberLiteral), (1, Gen.Const("true")), (1, Gen.Const("false")), (2, Gen.Const("null")));

    /// <summary>Any JSON value, at most <paramref name="depth"/> levels of arrays and objects.</summary>
    public static Gen<string> Value(int depth) => depth == 0
        ? Scalar
        : Gen.Frequency(
            (6, Scalar),
            (1, Value(depth - 1).Array[0, 4].Select(items => "[" + string.Join(",", items) + "]")),
            (1, Gen.Select(StringLiteral, Value(depth - 1)).Array[0, 4]
                .Select(members => "{" + string.Join(",", members.Select(m => m.Item1 + ":" + m.Item2)) + "}")));

    /// <summary>Nesting far past any sane depth (System.Text.Json refuses past 64).</summary>
    public static readonly Gen<string> Deep = Gen.Int[30, 2000].Select(n => new string('[', n) + new string(']', n));

    /// <summary>
    /// An object with the endpoint's fields, each present with probability ~3/4 and given either a plausible value
    /// (from <paramref name="plausible"/>) or any value, plus sometimes unknown fields; sometimes the whole body is
    /// something else (not an object, broken syntax, deep nesting).
    /// </summary>
    public static Gen<string> Body(params (string Name, Gen<string> Plausible)[] fields)
    {
        var member = fields.Select(f => Gen.Frequency(
                (3, f.Plausible.Select(v => (string?)$"\"{f.Name}\":{v}")),
                (3, Value(2).Select(v => (string?)$"\"{f.Name}\":{v}")),
                (2, Gen.Const((string?)null))))
            .ToArray();
        var extra = Gen.Select(StringLiteral, Value(1)).Array[0, 3];
        var obj = Gen.Select(Sequence(member), extra, Gen.Bool).Select((present, extras, duplicate) =>
        {
            var parts = present.Where(p => p is not null).Cast<string>().ToList();
            parts.AddRange(extras.Select(e => e.Item1 + ":" + e.Item2));
            if (duplicate && parts.Count > 0) parts.Add(parts[0]);
            return "{" + string.Join(",", parts) + "}";
        });
        return Gen.Frequency(
            (12, obj),
            (1, Value(3)),
            (1, Deep),
            (1, obj.Select(o => o[..(o.Length / 2)])),
            (1, Gen.OneOf(Gen.Const(""), Gen.Const("{"), Gen.Const("{\"a\":}"), Gen.Const("nul"), Gen.Const("{'a':1}"),
                Gen.Const("{\"a\":1,}"), Gen.Const("\uFEFF{}"), Gen.Const("{\"a\":\"\\x\"}"))));
    }

    private static Gen<string?[]> Sequence(Gen<string?>[] gens) =>
        gens.Aggregate(Gen.Const(Array.Empty<string?>()), (acc, g) => Gen.Select(acc, g).Select((a, x) => (string?[])[.. a, x]));

    public static string Quote(string s)
    {
        var builder = new StringBuilder("\"");
        foreach (var c in s)
        {
            builder.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                < ' ' or (>= '\ud800' and <= '\udfff') => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return builder.Append('"').ToString();
    }
}
