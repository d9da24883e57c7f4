// The ICMP errors the router sends back through the TUN, independent of IP version; IcmpErrorBuilder
// maps each onto the ICMPv4 / ICMPv6 type and code.
namespace WgSharp.Router.Packets;

internal enum IcmpErrorKind
{
    /// <summary>No route / no peer: ICMPv4 type 3 code 1 (host unreachable), ICMPv6 type 1 code 3 (address unreachable).</summary>
    Unreachable,

    /// <summary>Rejected by policy: ICMPv4 type 3 code 13, ICMPv6 type 1 code 1 (administratively prohibited).</summary>
    AdministrativelyProhibited,

    /// <summary>Larger than the path allows: ICMPv4 type 3 code 4 with the next-hop MTU (RFC 1191), ICMPv6 type 2 Packet Too Big (RFC 4443 3.2).</summary>
    PacketTooBig,
}
