// How a packet the NAT stage let through relates to the conntrack table.
namespace WgSharp.Router.Nat;

internal enum PacketTracking : byte
{
    /// <summary>It opened a new flow.</summary>
    New,

    /// <summary>It belongs to a flow, in the direction of the flow's first packet.</summary>
    Original,

    /// <summary>It is a reply on a flow.</summary>
    Reply,

    /// <summary>An ICMP error about a packet of a flow.</summary>
    Related,

    /// <summary>Not tracked: an ICMP message other than echo or an error, passed unchanged when nothing is masqueraded.</summary>
    Untracked,
}
