// What a packet is, as far as conntrack and NAT care: which field stands in for the ports.
namespace WgSharp.Router.Nat;

internal enum NatPacketKind : byte
{
    Tcp,
    Udp,

    /// <summary>ICMP / ICMPv6 echo request: the identifier is the tuple's source port.</summary>
    IcmpEchoRequest,

    /// <summary>ICMP / ICMPv6 echo reply: the identifier is the tuple's destination port.</summary>
    IcmpEchoReply,

    /// <summary>An ICMP / ICMPv6 error quoting the packet it is about (RFC 792, RFC 4443 2.1 types below 128).</summary>
    IcmpError,

    /// <summary>Any other ICMP / ICMPv6 message (timestamps, router and neighbor discovery, MLD, ...).</summary>
    IcmpOther,

    /// <summary>Another protocol (GRE, ESP, SCTP, ...): tracked by addresses only, ports 0.</summary>
    Other,
}
