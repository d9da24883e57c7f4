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

    /// <summary>
    /// Inbound with deferred opening: matched no flow and opened none, or goes the original way of a flow that goes
    /// out to a peer; the caller translates it once it knows where the packet goes (see
    /// <see cref="NatEngine.TranslateInbound(Span{byte}, int, bool, TimeSpan, bool)"/>).
    /// </summary>
    Pending,
}
