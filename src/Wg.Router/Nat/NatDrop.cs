// Why the conntrack/NAT stage dropped a packet; counted per reason and shown by `wgsharp show`.
namespace WgSharp.Router.Nat;

public enum NatDrop
{
    /// <summary>Not a whole IPv4/IPv6 packet, or a transport header (or an ICMP error's quote) cut short or inconsistent.</summary>
    Malformed,

    /// <summary>
    /// A fragment held for its first fragment (see <see cref="FragmentTracker"/>) that never came: counted when
    /// the train times out.
    /// </summary>
    FragmentExpired,

    /// <summary>A first fragment without its whole transport header, or a TCP fragment at offset 8 (RFC 1858 3).</summary>
    FragmentTiny,

    /// <summary>
    /// A fragment overlapping one already seen of its datagram (RFC 5722; IPv4 alike), or any later fragment of a
    /// datagram that had one: the whole datagram is refused. An exact duplicate is dropped alone.
    /// </summary>
    FragmentOverlap,

    /// <summary>A fragment of a datagram whose first fragment was dropped (counted once, under its own reason).</summary>
    FragmentOfDropped,

    /// <summary>The fragment train table is full of live trains.</summary>
    FragmentTableFull,

    /// <summary>The peer (or the local side) already holds its share of the fragment trains or of the buffers for early fragments.</summary>
    FragmentShareExceeded,

    /// <summary>A fragment arriving before its first fragment with no buffer left to hold it, or too large for one.</summary>
    FragmentHoldFull,

    /// <summary>A datagram arriving in more disjoint pieces than a train records (see <see cref="FragmentOptions.MaxRanges"/>).</summary>
    FragmentScattered,

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
