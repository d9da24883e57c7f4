// Why the conntrack/NAT stage dropped a packet; counted per reason and shown by `wgsharp show`.
namespace WgSharp.Router.Nat;

internal enum NatDrop
{
    /// <summary>Not a whole IPv4/IPv6 packet, or a transport header (or an ICMP error's quote) cut short or inconsistent.</summary>
    Malformed,

    /// <summary>
    /// An IPv4 or IPv6 fragment. Only a first fragment carries ports and the stage does not reassemble,
    /// so a fragment can be neither matched to a flow nor translated consistently; senders behind the
    /// tunnel do path MTU discovery (the translated ICMP errors keep it working), so fragments are rare.
    /// </summary>
    Fragment,

    /// <summary>Masquerading a protocol without ports or identifiers (GRE, ESP, SCTP, ...): many hosts could not share one address.</summary>
    UnsupportedProtocol,

    /// <summary>Masquerading an ICMP message other than echo or an error (timestamp, router/neighbor discovery, MLD, ...).</summary>
    UnsupportedIcmp,

    /// <summary>The masquerade address is of the other IP version than the packet.</summary>
    FamilyMismatch,

    /// <summary>
    /// From a peer with `Inbound = established`, and not a reply to (or an error about) a flow that went out to
    /// it; also any ICMPv4 redirect or source quench from such a peer.
    /// </summary>
    NotEstablished,

    /// <summary>A TCP segment that belongs to no flow and cannot open one (RST, SYN-ACK, no flags).</summary>
    TcpWithoutFlow,

    /// <summary>An ICMP echo reply or error that belongs to no tracked flow.</summary>
    IcmpWithoutFlow,

    /// <summary>
    /// An ICMP error quoting a packet of a tracked flow but addressed to someone other than that packet's
    /// sender (Linux conntrack calls it invalid: "outer daddr != inner").
    /// </summary>
    IcmpErrorMisdirected,

    /// <summary>The conntrack table is full of assured flows.</summary>
    TableFull,

    /// <summary>The peer (or the local side) that would open the flow already holds its share of the conntrack table (`ConntrackPerPeer`).</summary>
    ShareExceeded,

    /// <summary>No free port or echo identifier on the masquerade address for this destination.</summary>
    PortsExhausted,

    /// <summary>The tuple replies would carry already belongs to another flow (a port forward to a busy target).</summary>
    MappingInUse,
}
