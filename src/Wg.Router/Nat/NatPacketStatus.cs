// Why NatPacket.Parse could or could not describe a packet.
namespace WgSharp.Router.Nat;

internal enum NatPacketStatus : byte
{
    Valid,

    /// <summary>Not a whole IPv4/IPv6 packet, or its transport header is cut short or inconsistent.</summary>
    Malformed,

    /// <summary>An IPv4 or IPv6 fragment other than the first: it carries no transport header (a first fragment is <see cref="Valid"/>).</summary>
    Fragment,

    /// <summary>A first fragment too short to hold its whole transport header, or a TCP fragment at offset 8 (RFC 1858 3).</summary>
    TinyFragment,
}
