using System.Net;
using System.Net.Sockets;

namespace Herenow.Grains.Federation.Http;

/// <summary>
/// Which addresses a remote fetch may connect to: public unicast only. Refuses loopback, RFC 1918, CGNAT 100.64/10,
/// link-local, unique-local fc00::/7, site-local, unspecified, multicast, broadcast and reserved, 0.0.0.0/8, the
/// documentation and benchmark ranges, and IPv6 forms that embed a refused IPv4 (mapped, compatible, 6to4, NAT64).
/// Anything a URL from the network can name must not reach this server's own network (SSRF).
/// </summary>
public static class AddressPolicy
{
    public static bool IsPublic(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => IsPublicV4(address.GetAddressBytes()),
            AddressFamily.InterNetworkV6 => IsPublicV6(address.GetAddressBytes()),
            _ => false,
        };
    }

    private static bool IsPublicV4(ReadOnlySpan<byte> b) => !(
        b[0] == 0 ||                                            // 0.0.0.0/8 "this network"
        b[0] == 10 ||                                           // RFC 1918
        (b[0] == 100 && (b[1] & 0xC0) == 64) ||                 // 100.64.0.0/10 CGNAT
        b[0] == 127 ||                                          // loopback
        (b[0] == 169 && b[1] == 254) ||                         // link-local (cloud metadata lives here)
        (b[0] == 172 && (b[1] & 0xF0) == 16) ||                 // RFC 1918
        (b[0] == 192 && b[1] == 0 && b[2] == 0) ||              // 192.0.0.0/24 IETF protocol assignments
        (b[0] == 192 && b[1] == 0 && b[2] == 2) ||              // TEST-NET-1
        (b[0] == 192 && b[1] == 88 && b[2] == 99) ||            // 6to4 relay anycast
        (b[0] == 192 && b[1] == 168) ||                         // RFC 1918
        (b[0] == 198 && (b[1] & 0xFE) == 18) ||                 // 198.18.0.0/15 benchmarking
        (b[0] == 198 && b[1] == 51 && b[2] == 100) ||           // TEST-NET-2
        (b[0] == 203 && b[1] == 0 && b[2] == 113) ||            // TEST-NET-3
        b[0] >= 224);                                           // multicast, reserved, broadcast

    private static bool IsPublicV6(byte[] b)
    {
        // NAT64 (64:ff9b::/96) reaches the embedded IPv4 address: judge that one.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b.AsSpan(4, 8).IndexOfAnyExcept((byte)0) < 0)
        {
            return IsPublicV4(b.AsSpan(12, 4));
        }
        // Only global unicast (2000::/3); this also refuses ::, ::1, IPv4-compatible ::a.b.c.d, fc00::/7, fe80::/10,
        // fec0::/10, ff00::/8, 100::/64 and 64:ff9b:1::/48.
        if ((b[0] & 0xE0) != 0x20)
        {
            return false;
        }
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8)
        {
            return false;                                        // 2001:db8::/32 documentation
        }
        if (b[0] == 0x20 && b[1] == 0x01 && (b[2] & 0xFE) == 0x00)
        {
            return false;                                        // 2001::/23 IETF special purpose (Teredo, benchmarking, ORCHID)
        }
        if (b[0] == 0x20 && b[1] == 0x02)
        {
            return IsPublicV4(b.AsSpan(2, 4));                   // 6to4 embeds an IPv4 address
        }
        return true;
    }
}
