// IP protocol / IPv6 next-header numbers used by the router (IANA "Assigned Internet Protocol Numbers").
namespace WgSharp.Router.Packets;

public static class IpProtocol
{
    /// <summary>IPv6 Hop-by-Hop Options extension header (RFC 8200 4.3).</summary>
    public const byte HopByHopOptions = 0;
    public const byte Icmp = 1;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    /// <summary>IPv6 Routing extension header (RFC 8200 4.4).</summary>
    public const byte Routing = 43;
    /// <summary>IPv6 Fragment extension header (RFC 8200 4.5).</summary>
    public const byte Fragment = 44;
    /// <summary>Encapsulating Security Payload (RFC 4303); opaque, ends the header walk.</summary>
    public const byte Esp = 50;
    /// <summary>Authentication Header (RFC 4302); its length is in 4-octet units.</summary>
    public const byte AuthenticationHeader = 51;
    public const byte IcmpV6 = 58;
    /// <summary>IPv6 "No Next Header" (RFC 8200 4.7).</summary>
    public const byte NoNextHeader = 59;
    /// <summary>IPv6 Destination Options extension header (RFC 8200 4.6).</summary>
    public const byte DestinationOptions = 60;
}
