using System.Net;
using System.Net.Sockets;

namespace Hearth.Outbound;

/// <summary>
/// Which network addresses Hearth refuses to call on a user's behalf: everything that is not the public internet
/// (loopback, private, link-local and cloud metadata, unique-local, CGNAT, multicast, unspecified, reserved), including
/// the same addresses wrapped in IPv6 (IPv4-mapped, IPv4-compatible, NAT64, 6to4, Teredo).
/// </summary>
public static class OutboundAddresses
{
    /// <summary>The rule an address breaks (e.g. <c>loopback</c>, <c>private</c>), or null for a public address.</summary>
    public static string? RefusalOf(IPAddress address, bool allowLoopback = false)
    {
        var rule = Classify(address);
        return rule == Rules.Loopback && allowLoopback ? null : rule;
    }

    /// <summary>The rule names a refusal can carry (stable: they appear in problems and job errors).</summary>
    public static class Rules
    {
        public const string Loopback = "loopback";
        public const string Private = "private";
        public const string LinkLocal = "link-local";
        public const string UniqueLocal = "unique-local";
        public const string SharedAddressSpace = "shared-address-space";
        public const string Multicast = "multicast";
        public const string Unspecified = "unspecified";
        public const string Reserved = "reserved";
    }

    private static string? Classify(IPAddress address)
    {
        if (address.AddressFamily == AddressFamily.InterNetwork) return ClassifyV4(address.GetAddressBytes());
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return Rules.Reserved;
        var b = address.GetAddressBytes();
        if (address.IsIPv4MappedToIPv6) return ClassifyV4(b[12..]);
        if (address.Equals(IPAddress.IPv6Any)) return Rules.Unspecified;
        if (address.Equals(IPAddress.IPv6Loopback)) return Rules.Loopback;
        // ::a.b.c.d (IPv4-compatible, deprecated) and 64:ff9b::a.b.c.d / 64:ff9b:1::/48 (NAT64) reach the IPv4 inside.
        if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0) return ClassifyV4(b[12..]);
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b) return ClassifyV4(b[12..]) ?? (b[4] == 0 && b[5] == 1 ? Rules.Reserved : null);
        if (b[0] == 0x20 && b[1] == 0x02) return ClassifyV4(b[2..6]);                        // 6to4
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x00 && b[3] == 0x00) return Rules.Reserved; // Teredo (obfuscated IPv4 inside)
        if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0d && b[3] == 0xb8) return Rules.Reserved; // documentation
        if (b[0] == 0x01 && b[1] == 0x00 && b.AsSpan(2, 6).IndexOfAnyExcept((byte)0) < 0) return Rules.Reserved; // discard-only 100::/64
        if (b[0] == 0xff) return Rules.Multicast;
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return Rules.LinkLocal;                   // fe80::/10
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return Rules.Private;                     // fec0::/10, the old site-local
        if ((b[0] & 0xfe) == 0xfc) return Rules.UniqueLocal;                                  // fc00::/7 (AWS metadata fd00:ec2::254 too)
        if ((b[0] & 0xe0) != 0x20) return Rules.Reserved;                                     // outside 2000::/3, the global unicast space
        return null;
    }

    private static string? ClassifyV4(ReadOnlySpan<byte> b) => (b[0], b[1]) switch
    {
        (0, _) => Rules.Unspecified,                                // 0.0.0.0/8, "this network"
        (10, _) => Rules.Private,
        (100, >= 64 and < 128) => Rules.SharedAddressSpace,         // 100.64.0.0/10 (CGNAT; Alibaba's metadata 100.100.100.200)
        (127, _) => Rules.Loopback,
        (169, 254) => Rules.LinkLocal,                              // 169.254.0.0/16, where cloud metadata services live
        (172, >= 16 and < 32) => Rules.Private,
        (192, 168) => Rules.Private,
        (192, 0) when b[2] is 0 or 2 => Rules.Reserved,             // IETF protocol assignments (192.0.0.192 metadata), TEST-NET-1
        (198, 18 or 19) => Rules.Reserved,                          // benchmarking
        (198, 51) when b[2] == 100 => Rules.Reserved,               // TEST-NET-2
        (203, 0) when b[2] == 113 => Rules.Reserved,                // TEST-NET-3
        ( >= 224 and < 240, _) => Rules.Multicast,
        ( >= 240, _) => Rules.Reserved,                             // 240.0.0.0/4 and the broadcast address
        _ => null,
    };
}
