using System.Security.Cryptography;
using System.Text;
using Herenow.Grains.Common;

namespace Herenow.Grains.Federation.Atproto;

/// <summary>
/// AT Protocol record keys of type "tid" (13 characters, base32-sortable: 53 bits of microseconds since the epoch,
/// 10 bits of clock id), derived from a check-in id so that every retry writes the same key: a repeated write
/// replaces the record instead of posting twice. The microseconds come from the check-in's time; the sub-millisecond
/// digits and the clock id from a hash of its id, so two check-ins in one millisecond still get different keys.
/// </summary>
public static class Tid
{
    private const string Alphabet = "234567abcdefghijklmnopqrstuvwxyz";

    public static string ForCheckin(string checkinId, DateTimeOffset createdAt)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(checkinId));
        var micros = createdAt.ToUnixTimeMilliseconds() * 1000 + (BitConverter.ToUInt16(hash, 0) % 1000);
        var clockId = BitConverter.ToUInt16(hash, 2) & 0x3FF;
        var value = ((ulong)micros << 10) | (uint)clockId;
        value &= 0x7FFF_FFFF_FFFF_FFFF; // the top bit is always 0
        var chars = new char[13];
        for (var i = 12; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }

    /// <summary>The TID for a check-in id alone (its time is read from the id, which is time-ordered).</summary>
    public static string ForCheckin(string checkinId) => ForCheckin(checkinId, TimeOrderedId.TimestampOf(checkinId));
}
