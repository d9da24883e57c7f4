// Why NatPacket.Parse could or could not describe a packet.
namespace WgSharp.Router.Nat;

internal enum NatPacketStatus : byte
{
    Valid,

    /// <summary>Not a whole IPv4/IPv6 packet, or its transport header is cut short or inconsistent.</summary>
    Malformed,

    /// <summary>An IPv4 or IPv6 fragment: only the first carries ports, and nothing here reassembles.</summary>
    Fragment,
}
