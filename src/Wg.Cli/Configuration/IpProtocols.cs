// IP protocol names a [Rule] or [Forward] Protocol may use, with their numbers (IANA "Assigned
// Internet Protocol Numbers", as in /etc/protocols).
using System.Globalization;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Packets;

namespace WgSharp.Cli.Configuration;

internal static class IpProtocols
{
    // The numbers the router's packet parser also knows come from it, so each is written once.
    public const byte Icmp = IpProtocol.Icmp;
    public const byte Tcp = IpProtocol.Tcp;
    public const byte Udp = IpProtocol.Udp;
    public const byte Dccp = 33;
    public const byte Gre = 47;
    public const byte Esp = IpProtocol.Esp;
    public const byte Ah = IpProtocol.AuthenticationHeader;
    public const byte IcmpV6 = IpProtocol.IcmpV6;
    public const byte Sctp = 132;
    public const byte UdpLite = 136;

    private static readonly (string Name, byte Number)[] Names =
    [
        ("tcp", Tcp), ("udp", Udp), ("icmp", Icmp), ("icmpv6", IcmpV6), ("ipv6-icmp", IcmpV6),
        ("gre", Gre), ("esp", Esp), ("ah", Ah), ("sctp", Sctp), ("udplite", UdpLite), ("dccp", Dccp),
    ];

    /// <summary>A name above (any case) or a number 0-255.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out byte protocol)
    {
        foreach ((string name, byte number) in Names)
        {
            if (text.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                protocol = number;
                return true;
            }
        }

        bool ok = UapiSyntax.TryParseDecimal(text, byte.MaxValue, out ulong value);
        protocol = (byte)value;
        return ok;
    }

    /// <summary>The name the file would use ("tcp"), or the number for protocols without one here.</summary>
    public static string Format(byte protocol)
    {
        foreach ((string name, byte number) in Names)
        {
            if (number == protocol)
            {
                return name;
            }
        }

        return protocol.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Protocols whose header starts with 16-bit source and destination ports.</summary>
    public static bool HasPorts(byte protocol) => Router.Configuration.PolicyGrammar.HasPorts(protocol);
}
