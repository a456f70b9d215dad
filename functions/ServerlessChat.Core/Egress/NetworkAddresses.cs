using System.Net;
using System.Net.Sockets;

namespace ServerlessChat.Core.Egress;

/// <summary>
/// Which addresses the server may connect to when a user names the target (a push subscription's endpoint, later
/// a link preview): public unicast only. IPv6 forms that carry an IPv4 address (mapped, SIIT, IPv4-compatible,
/// NAT64, 6to4) are judged by that IPv4 address, since a translator or relay on the path delivers to it; every
/// other IPv6 address must be global unicast (2000::/3) outside the special-purpose blocks.
/// </summary>
public static class NetworkAddresses
{
    /// <summary>True only for an address on the public internet.</summary>
    public static bool IsPublic(IPAddress address) => address.AddressFamily switch
    {
        AddressFamily.InterNetwork => IsPublicIPv4(address.GetAddressBytes()),
        AddressFamily.InterNetworkV6 => IsPublicIPv6(address.GetAddressBytes()),
        _ => false,
    };

    /// <summary>
    /// The IPv4 address an IPv6 one stands for, or null: ::ffff:a.b.c.d (mapped), ::ffff:0:a.b.c.d (SIIT,
    /// IPv4-translated), ::a.b.c.d (IPv4-compatible, deprecated), 64:ff9b::a.b.c.d (NAT64's well-known prefix),
    /// 2002:aabb:ccdd:: (6to4).
    /// </summary>
    public static IPAddress? EmbeddedIPv4(IPAddress address)
    {
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return null;
        }
        var b = address.GetAddressBytes();
        if (Zero(b, 0, 8) && ((b[8] == 0 && b[9] == 0 && b[10] == 0xFF && b[11] == 0xFF)      // ::ffff:0:0/96 mapped
            || (b[8] == 0xFF && b[9] == 0xFF && b[10] == 0 && b[11] == 0)                     // ::ffff:0:0:0/96 SIIT
            || Zero(b, 8, 4)))                                                                // ::/96 compatible
        {
            return new IPAddress(b.AsSpan(12, 4));
        }
        if (b[0] == 0 && b[1] == 0x64 && b[2] == 0xFF && b[3] == 0x9B && Zero(b, 4, 8))       // 64:ff9b::/96 NAT64
        {
            return new IPAddress(b.AsSpan(12, 4));
        }
        if (b[0] == 0x20 && b[1] == 0x02)                                                      // 2002::/16 6to4
        {
            return new IPAddress(b.AsSpan(2, 4));
        }
        return null;
    }

    private static bool IsPublicIPv4(byte[] b) =>
        !(b[0] == 0                                        // "this network" 0/8
          || b[0] == 10                                    // private 10/8
          || (b[0] == 100 && (b[1] & 0xC0) == 64)          // shared (CGNAT) 100.64/10
          || b[0] == 127                                   // loopback 127/8
          || (b[0] == 169 && b[1] == 254)                  // link-local 169.254/16 (cloud metadata)
          || (b[0] == 172 && (b[1] & 0xF0) == 16)          // private 172.16/12
          || (b[0] == 192 && b[1] == 0 && b[2] == 0)       // IETF protocol assignments 192.0.0/24
          || (b[0] == 192 && b[1] == 0 && b[2] == 2)       // documentation TEST-NET-1 192.0.2/24
          || (b[0] == 192 && b[1] == 88 && b[2] == 99)     // 6to4 relay anycast 192.88.99/24
          || (b[0] == 192 && b[1] == 168)                  // private 192.168/16
          || (b[0] == 198 && (b[1] & 0xFE) == 18)          // benchmarking 198.18/15
          || (b[0] == 198 && b[1] == 51 && b[2] == 100)    // documentation TEST-NET-2 198.51.100/24
          || (b[0] == 203 && b[1] == 0 && b[2] == 113)     // documentation TEST-NET-3 203.0.113/24
          || b[0] >= 224);                                 // multicast 224/4, reserved 240/4, broadcast

    private static bool IsPublicIPv6(byte[] b)
    {
        if (EmbeddedIPv4(new IPAddress(b)) is { } v4)
        {
            // Also ::, ::1 (as 0.0.0.0 and 0.0.0.1, "this network"), and 2002:: relays into private space.
            return IsPublicIPv4(v4.GetAddressBytes());
        }
        // Outside 2000::/3 nothing is public: 64:ff9b:1::/48 (local-use NAT64, its IPv4 anywhere in the address),
        // 100::/64 (discard-only), 5f00::/16 (SRv6 SIDs), fc00::/7 (unique local), fe80::/10 (link-local),
        // fec0::/10 (site-local, deprecated), ff00::/8 (multicast) and every unassigned block.
        if ((b[0] & 0xE0) != 0x20)
        {
            return false;
        }
        return !((b[0] == 0x20 && b[1] == 0x01 && b[2] < 0x02)                        // 2001::/23 IETF protocol assignments, Teredo 2001::/32 among them
                 || (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8)    // documentation 2001:db8::/32
                 || (b[0] == 0x3F && b[1] == 0xFF && (b[2] & 0xF0) == 0));             // documentation 3fff::/20
    }

    private static bool Zero(byte[] b, int start, int count) => b.AsSpan(start, count).IndexOfAnyExcept((byte)0) < 0;
}
