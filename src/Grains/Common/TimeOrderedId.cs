using System.Security.Cryptography;

namespace Herenow.Grains.Common;

/// <summary>
/// Opaque, time-ordered identifiers in the ULID layout: 48 bits of Unix milliseconds then 80 random bits, written
/// as 26 Crockford base-32 characters so that string order is time order. No coordination between silos is needed
/// (80 random bits make collisions negligible); within one process ids are strictly increasing, and
/// <see cref="NewAfter"/> lets a grain keep its own sequence strictly increasing across silos and clock skew
/// (a hybrid logical clock: max(physical time, last id + 1)).
/// </summary>
public static class TimeOrderedId
{
    public const int Length = 26;
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static readonly Lock Gate = new();
    private static UInt128 lastIssued;

    public static string New(DateTimeOffset? now = null) => NewAfter(null, now);

    /// <summary>A new id greater than <paramref name="previous"/> (when given) and than any id this process issued.</summary>
    public static string NewAfter(string? previous, DateTimeOffset? now = null)
    {
        var ms = (ulong)(now ?? DateTimeOffset.UtcNow).ToUnixTimeMilliseconds();
        Span<byte> random = stackalloc byte[10];
        RandomNumberGenerator.Fill(random);
        UInt128 value = ((UInt128)ms << 80) | ((UInt128)BitConverter.ToUInt64(random) << 16) | BitConverter.ToUInt16(random[8..]);

        lock (Gate)
        {
            var floor = lastIssued;
            if (previous is not null && TryParse(previous, out var prev) && prev > floor)
            {
                floor = prev;
            }
            if (value <= floor)
            {
                value = floor + 1;
            }
            lastIssued = value;
        }
        return Encode(value);
    }

    /// <summary>The smallest id at the given instant: ids created before it compare lower.</summary>
    public static string MinAt(DateTimeOffset instant) => Encode((UInt128)(ulong)instant.ToUnixTimeMilliseconds() << 80);

    public static DateTimeOffset TimestampOf(string id) =>
        TryParse(id, out var value)
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)(ulong)(value >> 80))
            : throw new FormatException($"'{id}' is not a time-ordered id.");

    public static bool IsValid(string? id) => id is not null && TryParse(id, out _);

    private static string Encode(UInt128 value)
    {
        Span<char> chars = stackalloc char[Length];
        for (var i = Length - 1; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }

    private static bool TryParse(string text, out UInt128 value)
    {
        value = 0;
        if (text.Length != Length || text[0] > '7')
        {
            return false; // 26 chars hold 130 bits; the first char may use only 3 of them.
        }
        foreach (var c in text)
        {
            var digit = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (digit < 0)
            {
                return false;
            }
            value = (value << 5) | (uint)digit;
        }
        return true;
    }
}
