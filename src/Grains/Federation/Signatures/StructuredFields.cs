using System.Globalization;
using System.Text;

namespace Herenow.Grains.Federation.Signatures;

internal enum SfKind
{
    Integer,
    Decimal,
    String,
    Token,
    ByteSequence,
    Boolean,
}

/// <summary>An RFC 8941 bare item. <see cref="Text"/> holds strings, tokens and decimals as written.</summary>
internal readonly record struct SfBareItem(SfKind Kind, string Text, long Integer, byte[]? Bytes, bool Boolean)
{
    public static SfBareItem OfString(string value) => new(SfKind.String, value, 0, null, false);

    public static SfBareItem OfInteger(long value) => new(SfKind.Integer, "", value, null, false);

    public static SfBareItem True => new(SfKind.Boolean, "", 0, null, true);

    public void Serialize(StringBuilder output)
    {
        switch (Kind)
        {
            case SfKind.Integer:
                output.Append(Integer.ToString(CultureInfo.InvariantCulture));
                break;
            case SfKind.Decimal:
            case SfKind.Token:
                output.Append(Text);
                break;
            case SfKind.String:
                output.Append('"');
                foreach (var c in Text)
                {
                    if (c is '"' or '\\')
                    {
                        output.Append('\\');
                    }
                    output.Append(c);
                }
                output.Append('"');
                break;
            case SfKind.ByteSequence:
                output.Append(':').Append(Convert.ToBase64String(Bytes ?? [])).Append(':');
                break;
            case SfKind.Boolean:
                output.Append(Boolean ? "?1" : "?0");
                break;
        }
    }
}

/// <summary>An item with its parameters, in the order they were written.</summary>
internal sealed record SfItem(SfBareItem Value, IReadOnlyList<KeyValuePair<string, SfBareItem>> Parameters)
{
    public SfBareItem? Parameter(string key)
    {
        foreach (var (k, v) in Parameters)
        {
            if (k == key)
            {
                return v;
            }
        }
        return null;
    }

    public static void SerializeParameters(IReadOnlyList<KeyValuePair<string, SfBareItem>> parameters, StringBuilder output)
    {
        foreach (var (key, value) in parameters)
        {
            output.Append(';').Append(key);
            if (value is not { Kind: SfKind.Boolean, Boolean: true })
            {
                output.Append('=');
                value.Serialize(output);
            }
        }
    }

    public void Serialize(StringBuilder output)
    {
        Value.Serialize(output);
        SerializeParameters(Parameters, output);
    }
}

/// <summary>A dictionary member: a single item, or an inner list (<see cref="InnerList"/> not null) with parameters.</summary>
internal sealed record SfMember(SfItem? Item, IReadOnlyList<SfItem>? InnerList, IReadOnlyList<KeyValuePair<string, SfBareItem>> Parameters)
{
    /// <summary>The canonical serialization of an inner list member, as "@signature-params" needs it.</summary>
    public string SerializeInnerList()
    {
        var output = new StringBuilder("(");
        for (var i = 0; i < (InnerList?.Count ?? 0); i++)
        {
            if (i > 0)
            {
                output.Append(' ');
            }
            InnerList![i].Serialize(output);
        }
        output.Append(')');
        SfItem.SerializeParameters(Parameters, output);
        return output.ToString();
    }
}

/// <summary>
/// A parser for RFC 8941 dictionaries, enough for Signature-Input, Signature and Content-Digest. Strict: anything
/// that does not parse is a <see cref="FormatException"/>, and the caller treats the header as malformed.
/// </summary>
internal sealed class StructuredFieldParser
{
    private readonly string input;
    private int position;

    private StructuredFieldParser(string input) => this.input = input;

    public static List<KeyValuePair<string, SfMember>> ParseDictionary(string input)
    {
        var parser = new StructuredFieldParser(input);
        var members = new List<KeyValuePair<string, SfMember>>();
        parser.SkipSpaces();
        if (parser.AtEnd)
        {
            return members;
        }
        while (true)
        {
            var key = parser.ParseKey();
            SfMember member;
            if (parser.Peek == '=')
            {
                parser.position++;
                member = parser.ParseItemOrInnerList();
            }
            else
            {
                member = new SfMember(new SfItem(SfBareItem.True, parser.ParseParameters()), null, []);
            }
            var existing = members.FindIndex(m => m.Key == key);
            if (existing >= 0)
            {
                members[existing] = new(key, member);
            }
            else
            {
                members.Add(new(key, member));
            }
            parser.SkipWhitespace();
            if (parser.AtEnd)
            {
                return members;
            }
            parser.Expect(',');
            parser.SkipWhitespace();
            if (parser.AtEnd)
            {
                throw new FormatException("trailing comma");
            }
        }
    }

    private bool AtEnd => position >= input.Length;

    private char Peek => AtEnd ? '\0' : input[position];

    private void Expect(char c)
    {
        if (Peek != c)
        {
            throw new FormatException($"expected '{c}' at {position}");
        }
        position++;
    }

    private void SkipSpaces()
    {
        while (Peek == ' ')
        {
            position++;
        }
    }

    private void SkipWhitespace()
    {
        while (Peek is ' ' or '\t')
        {
            position++;
        }
    }

    private SfMember ParseItemOrInnerList()
    {
        if (Peek != '(')
        {
            var item = ParseItem();
            return new SfMember(item, null, []);
        }
        position++;
        var items = new List<SfItem>();
        while (true)
        {
            SkipSpaces();
            if (Peek == ')')
            {
                position++;
                return new SfMember(null, items, ParseParameters());
            }
            items.Add(ParseItem());
            if (Peek is not (' ' or ')'))
            {
                throw new FormatException($"bad inner list at {position}");
            }
        }
    }

    private SfItem ParseItem() => new(ParseBareItem(), ParseParameters());

    private List<KeyValuePair<string, SfBareItem>> ParseParameters()
    {
        var parameters = new List<KeyValuePair<string, SfBareItem>>();
        while (Peek == ';')
        {
            position++;
            SkipSpaces();
            var key = ParseKey();
            var value = SfBareItem.True;
            if (Peek == '=')
            {
                position++;
                value = ParseBareItem();
            }
            var existing = parameters.FindIndex(p => p.Key == key);
            if (existing >= 0)
            {
                parameters[existing] = new(key, value);
            }
            else
            {
                parameters.Add(new(key, value));
            }
        }
        return parameters;
    }

    private string ParseKey()
    {
        var start = position;
        if (!(char.IsAsciiLetterLower(Peek) || Peek == '*'))
        {
            throw new FormatException($"bad key at {position}");
        }
        while (char.IsAsciiLetterLower(Peek) || char.IsAsciiDigit(Peek) || Peek is '_' or '-' or '.' or '*')
        {
            position++;
        }
        return input[start..position];
    }

    private SfBareItem ParseBareItem()
    {
        var c = Peek;
        if (c == '-' || char.IsAsciiDigit(c))
        {
            return ParseNumber();
        }
        if (c == '"')
        {
            return ParseString();
        }
        if (c == ':')
        {
            return ParseByteSequence();
        }
        if (c == '?')
        {
            position++;
            var b = Peek;
            if (b is not ('0' or '1'))
            {
                throw new FormatException($"bad boolean at {position}");
            }
            position++;
            return new SfBareItem(SfKind.Boolean, "", 0, null, b == '1');
        }
        if (char.IsAsciiLetter(c) || c == '*')
        {
            var start = position;
            position++;
            while (!AtEnd && (IsTokenChar(Peek) || Peek is ':' or '/'))
            {
                position++;
            }
            return new SfBareItem(SfKind.Token, input[start..position], 0, null, false);
        }
        throw new FormatException($"bad item at {position}");
    }

    private static bool IsTokenChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    private SfBareItem ParseNumber()
    {
        var start = position;
        if (Peek == '-')
        {
            position++;
        }
        if (!char.IsAsciiDigit(Peek))
        {
            throw new FormatException($"bad number at {position}");
        }
        var isDecimal = false;
        while (char.IsAsciiDigit(Peek) || (Peek == '.' && !isDecimal))
        {
            isDecimal |= Peek == '.';
            position++;
        }
        var text = input[start..position];
        if (isDecimal)
        {
            if (text.EndsWith('.') || text.Length > 17)
            {
                throw new FormatException("bad decimal");
            }
            return new SfBareItem(SfKind.Decimal, text, 0, null, false);
        }
        if (text.TrimStart('-').Length > 15)
        {
            throw new FormatException("integer too long");
        }
        return SfBareItem.OfInteger(long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
    }

    private SfBareItem ParseString()
    {
        position++;
        var output = new StringBuilder();
        while (!AtEnd)
        {
            var c = input[position++];
            if (c == '\\')
            {
                var next = Peek;
                if (next is not ('"' or '\\'))
                {
                    throw new FormatException("bad escape");
                }
                output.Append(next);
                position++;
            }
            else if (c == '"')
            {
                return SfBareItem.OfString(output.ToString());
            }
            else if (c is < ' ' or > '~')
            {
                throw new FormatException("bad string character");
            }
            else
            {
                output.Append(c);
            }
        }
        throw new FormatException("unterminated string");
    }

    private SfBareItem ParseByteSequence()
    {
        position++;
        var end = input.IndexOf(':', position);
        if (end < 0)
        {
            throw new FormatException("unterminated byte sequence");
        }
        var text = input[position..end];
        position = end + 1;
        return new SfBareItem(SfKind.ByteSequence, text, 0, Convert.FromBase64String(text), false);
    }
}
