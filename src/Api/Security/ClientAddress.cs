using System.Net;
using System.Net.Sockets;

namespace Herenow.Api.Security;

/// <summary>The client address as a rate-limit partition key.</summary>
public static class ClientAddress
{
    /// <summary>
    /// The connection's remote address (the proxy's, behind a reverse proxy, unless forwarded headers are configured).
    /// IPv4 as is (an IPv4-mapped IPv6 address as IPv4); IPv6 by its /64 prefix, since a single host usually holds a
    /// whole /64 and could otherwise take a fresh address, and a fresh budget, for every request.
    /// "unknown" when there is no address (an in-process test server, a Unix socket): one shared partition.
    /// </summary>
    public static string Key(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes).ToString() + "/64";
    }

    public static string Key(HttpContext context) => Key(context.Connection.RemoteIpAddress);
}
