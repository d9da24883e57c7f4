// Userspace NAT over the conntrack table: masquerade (source NAT keeping ports when free), port
// forwards (destination NAT), un-NAT of replies, and ICMP errors with their quoted packets, for IPv4
// and IPv6, rewriting packets in place with incremental checksum updates.
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Nat;

/// <summary>
/// The stateful stage between the rule stage and cryptokey routing. A packet passes it once per hop:
/// <c>TranslateOutbound</c> for a packet about to be sent to a peer (from TUN, or relayed from
/// another peer), <c>TranslateInbound</c> for a packet decrypted from a peer on its way to TUN.
/// Every TCP, UDP, ICMP echo and port-less flow is tracked, NATed or not, so that `Inbound = established`
/// can tell replies from new connections. Thread-safe; allocation-free per packet.
/// </summary>
/// <remarks>
/// NAT is decided when a flow opens and recorded in its reply tuple (as Linux nf_nat does): masquerade
/// sets the reply's destination to the masquerade address and, when the flow's own source port is taken
/// for that (protocol, address, destination, destination port), a free port from
/// <see cref="NatOptions"/>; a port forward sets the reply's source to the target. Afterwards a packet
/// in either direction is rewritten to the inverse of the other direction's tuple
/// (<see cref="FlowMatch.Target"/>), which covers both kinds and their replies with one rule. Outbound
/// flows whose reply tuple clashes with another flow's (a local socket on the masquerade address) get
/// a free source port even without masquerade, as Linux's implicit source NAT does.
/// IPv4 and IPv6 fragments follow their datagram's first fragment (<see cref="FragmentTracker"/>).
/// </remarks>
internal sealed partial class NatEngine
{
    private readonly PortSearch _portSearch;
    private readonly PortSearch _icmpIdSearch;
    private PortForwardTable _portForwards = PortForwardTable.Empty;

    public NatEngine(ConnectionTracker tracker, NatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(tracker);
        options ??= new NatOptions();
        Tracker = tracker;
        _portSearch = new PortSearch(options.PortFirst, options.PortLast, options.MaxPortAttempts);
        _icmpIdSearch = new PortSearch(options.IcmpIdFirst, options.IcmpIdLast, options.MaxPortAttempts);
        Fragments = new FragmentTracker(options.Fragments, Counters);
    }

    public ConnectionTracker Tracker { get; }

    public NatCounters Counters { get; } = new();

    public FragmentTracker Fragments { get; }

    /// <summary>The port forwards in force; replaced as a whole by <see cref="SetPortForwards"/>.</summary>
    public IReadOnlyList<PortForward> PortForwards => Volatile.Read(ref _portForwards).Forwards;

    /// <summary>Replaces the port forwards (control plane), indexing them for the data path. Flows already forwarded keep their mapping until they expire.</summary>
    public void SetPortForwards(IEnumerable<PortForward> forwards) => Volatile.Write(ref _portForwards, new PortForwardTable(forwards));

    /// <summary>
    /// Tracks, and translates in place, a packet about to be sent to <paramref name="peer"/> (a
    /// non-negative tag the caller assigns). <paramref name="masquerade"/> is the address to source-NAT a
    /// new flow to (<c>default</c>: none); it must be of the packet's IP version, else the packet is
    /// dropped with <see cref="NatDrop.FamilyMismatch"/>. Never throws on packet contents.
    /// </summary>
    public NatResult TranslateOutbound(Span<byte> packet, int peer, IpAddressKey masquerade, TimeSpan now) =>
        TranslateOutbound(packet, peer, masquerade, now, FlowOrigin.Local, ConnectionTracker.LocalOwner);

    /// <summary>
    /// <see cref="TranslateOutbound(Span{byte}, int, IpAddressKey, TimeSpan)"/> with the origin a new flow is
    /// recorded with: <see cref="FlowOrigin.Relayed"/> for a packet decrypted from one peer and relayed to
    /// <paramref name="peer"/> (its inbound pass returned <see cref="PacketTracking.Pending"/>), and the owner whose
    /// share of the table it counts against: the tag of the peer it came from, or
    /// <see cref="ConnectionTracker.LocalOwner"/> for a packet from the local side.
    /// </summary>
    public NatResult TranslateOutbound(Span<byte> packet, int peer, IpAddressKey masquerade, TimeSpan now, FlowOrigin origin, int owner)
    {
        NatPacketStatus status = NatPacket.Parse(packet, out NatPacket parsed);
        if (status != NatPacketStatus.Valid)
        {
            return status == NatPacketStatus.Fragment ? FollowOutbound(packet, parsed, owner, now) : DropUnparsed(status);
        }
        if (parsed.Fragment.IsFirst)
        {
            FragmentKey key = FragmentKey.Of(FragmentPass.Outbound, packet, parsed);
            NatResult first = TranslateOutbound(packet, parsed, peer, masquerade, now, origin, owner);
            return RecordFirst(packet, parsed, key, first, peer, owner, now);
        }
        return TranslateOutbound(packet, parsed, peer, masquerade, now, origin, owner);
    }

    private NatResult TranslateOutbound(Span<byte> packet, in NatPacket parsed, int peer, IpAddressKey masquerade, TimeSpan now, FlowOrigin origin, int owner)
    {
        bool masquerading = masquerade.Family != IpFamily.Unspecified;
        if (masquerading && masquerade.Family != parsed.Family)
        {
            return Drop(NatDrop.FamilyMismatch);
        }
        switch (parsed.Kind)
        {
            case NatPacketKind.IcmpError:
                return TranslateIcmpError(packet, parsed, inbound: false, peer, establishedOnly: false, now);
            case NatPacketKind.IcmpOther:
                return masquerading ? Drop(NatDrop.UnsupportedIcmp) : NatResult.Pass(PacketTracking.Untracked, false, false);
        }
        if (Tracker.TryObserve(parsed.Tuple, parsed.TcpFlags, now, out FlowMatch match))
        {
            return Apply(packet, parsed, match, established: false);
        }
        if (!CanOpen(parsed, out int initialStatus, out NatResult refusal))
        {
            return refusal;
        }
        if (parsed.Kind == NatPacketKind.Other && masquerading)
        {
            return Drop(NatDrop.UnsupportedProtocol);
        }
        FlowTuple original = parsed.Tuple;
        FlowTuple reply = masquerading ? original.WithSource(masquerade, original.SourcePort).Invert() : original.Invert();
        PortSearch search = parsed.Kind switch
        {
            NatPacketKind.Tcp or NatPacketKind.Udp => _portSearch,
            NatPacketKind.IcmpEchoRequest => _icmpIdSearch,
            _ => PortSearch.None,
        };
        return Open(packet, parsed, reply, search, initialStatus, peer, origin == FlowOrigin.Remote ? FlowOrigin.Local : origin, owner, now);
    }

    /// <summary>
    /// Tracks, and translates in place, a packet decrypted from <paramref name="peer"/>. With
    /// <paramref name="establishedOnly"/> (the peer's `Inbound = established`), only replies to flows that
    /// went out to this peer and ICMP errors about them pass; anything else is dropped with
    /// <see cref="NatDrop.NotEstablished"/> without touching the table. Never throws on packet contents.
    /// </summary>
    public NatResult TranslateInbound(Span<byte> packet, int peer, bool establishedOnly, TimeSpan now) =>
        TranslateInbound(packet, peer, establishedOnly, now, deferOpen: false);

    /// <summary>
    /// <see cref="TranslateInbound(Span{byte}, int, bool, TimeSpan)"/> for a device that decides where the packet
    /// goes only afterwards (the rule stage may relay it to another peer). With <paramref name="deferOpen"/>, a
    /// packet that would open a flow other than a port forward, or that goes the original way of a flow going
    /// out to a peer (a relayed flow seen at its input), is neither recorded nor rewritten and comes back as
    /// <see cref="PacketTracking.Pending"/>: the caller then calls
    /// <see cref="TranslateInbound(Span{byte}, int, bool, TimeSpan)"/> if it delivers the packet to TUN, or
    /// <see cref="TranslateOutbound(Span{byte}, int, IpAddressKey, TimeSpan, FlowOrigin, int)"/> with
    /// <see cref="FlowOrigin.Relayed"/> if it relays it, so each flow is recorded and translated once per hop.
    /// Every other result is final: replies and ICMP errors are already un-NATed.
    /// </summary>
    public NatResult TranslateInbound(Span<byte> packet, int peer, bool establishedOnly, TimeSpan now, bool deferOpen)
    {
        NatPacketStatus status = NatPacket.Parse(packet, out NatPacket parsed);
        if (status != NatPacketStatus.Valid)
        {
            return status == NatPacketStatus.Fragment ? FollowInbound(packet, parsed, peer, now, deferOpen) : DropUnparsed(status);
        }
        if (parsed.Fragment.IsFirst)
        {
            FragmentKey key = FragmentKey.Of(FragmentPass.Inbound, packet, parsed);
            NatResult first = TranslateInbound(packet, parsed, peer, establishedOnly, now, deferOpen);
            return RecordFirst(packet, parsed, key, first, peer, peer, now);
        }
        return TranslateInbound(packet, parsed, peer, establishedOnly, now, deferOpen);
    }

    private NatResult TranslateInbound(Span<byte> packet, in NatPacket parsed, int peer, bool establishedOnly, TimeSpan now, bool deferOpen)
    {
        switch (parsed.Kind)
        {
            case NatPacketKind.IcmpError:
                return TranslateIcmpError(packet, parsed, inbound: true, peer, establishedOnly, now);
            case NatPacketKind.IcmpOther:
                return establishedOnly ? Drop(NatDrop.NotEstablished) : NatResult.Pass(PacketTracking.Untracked, false, false);
        }
        int replyFrom = establishedOnly ? peer : ConnectionTracker.AnyPeer;
        FlowMatch match;
        bool found = deferOpen
            ? Tracker.TryObserveAtInput(parsed.Tuple, parsed.TcpFlags, now, out match, replyFrom)
            : Tracker.TryObserve(parsed.Tuple, parsed.TcpFlags, now, out match, replyFrom);
        if (found)
        {
            bool established = match.IsReplyFrom(peer);
            if (establishedOnly && !established)
            {
                return Drop(NatDrop.NotEstablished);
            }
            return deferOpen && match.IsOutgoingOriginal
                ? NatResult.PendingOnFlow(match.Origin, match.Peer)
                : Apply(packet, parsed, match, established);
        }
        if (establishedOnly)
        {
            return Drop(NatDrop.NotEstablished);
        }
        if (!CanOpen(parsed, out int initialStatus, out NatResult refusal))
        {
            return refusal;
        }
        FlowTuple original = parsed.Tuple;
        FlowTuple reply = original.Invert();
        if (Volatile.Read(ref _portForwards).TryFind(original, out PortForward? forward))
        {
            reply = original.WithDestination(forward.TargetAddress, forward.TargetPort).Invert();
        }
        else if (deferOpen)
        {
            return NatResult.Pass(PacketTracking.Pending, false, false);
        }
        return Open(packet, parsed, reply, PortSearch.None, initialStatus, peer, FlowOrigin.Remote, peer, now);
    }

    /// <summary>
    /// The conntrack state of a packet about to be translated by <see cref="TranslateOutbound(Span{byte}, int, IpAddressKey, TimeSpan, FlowOrigin, int)"/>,
    /// for the rules to see before they decide where it goes: <see cref="PolicyStates.Established"/> for a packet
    /// of a live flow (either direction), <see cref="PolicyStates.Related"/> for an ICMP error about one addressed
    /// to the quoted packet's sender, <see cref="PolicyStates.Invalid"/> for what the translation would refuse as
    /// belonging to no flow, <see cref="PolicyStates.New"/> for everything else (malformed packets and fragments
    /// included: the translation refuses them for what they are). <paramref name="flowPeer"/> is the tag of the
    /// flow's peer (the one it went out to, or came in from), <see cref="ConnectionTracker.AnyPeer"/> without a
    /// flow. Reads only; refreshes nothing. Never throws on packet contents.
    /// </summary>
    public PolicyStates Classify(ReadOnlySpan<byte> packet, TimeSpan now, out int flowPeer)
    {
        flowPeer = ConnectionTracker.AnyPeer;
        NatPacketStatus status = NatPacket.Parse(packet, out NatPacket parsed);
        if (status == NatPacketStatus.Fragment)
        {
            return ClassifyFragment(packet, parsed, now, out flowPeer);
        }
        if (status != NatPacketStatus.Valid)
        {
            return PolicyStates.New;
        }
        FlowMatch match;
        switch (parsed.Kind)
        {
            case NatPacketKind.IcmpError:
                ReadOnlySpan<byte> quoted = packet[(parsed.TransportOffset + IcmpHeader.Length)..parsed.Length];
                if (NatPacket.ParseQuoted(quoted, out NatPacket inner) != NatPacketStatus.Valid || inner.Family != parsed.Family)
                {
                    return PolicyStates.New;
                }
                FlowTuple key = inner.Tuple.Invert();
                if (!Tracker.TryFind(key, now, out match) || !parsed.Tuple.DestinationAddressEquals(key))
                {
                    return PolicyStates.Invalid;
                }
                flowPeer = match.Peer;
                return PolicyStates.Related;
            case NatPacketKind.IcmpOther:
                return PolicyStates.New;
        }
        if (Tracker.TryFind(parsed.Tuple, now, out match))
        {
            flowPeer = match.Peer;
            return PolicyStates.Established;
        }
        return CanOpenSilently(parsed) ? PolicyStates.New : PolicyStates.Invalid;
    }

    /// <summary>
    /// The `Inbound = established` question alone, for a packet as it arrived from <paramref name="peer"/>
    /// (before un-NAT): is it a reply on a flow that went out to that peer, or an ICMP error quoting a
    /// packet of one? Changes nothing. Never throws on packet contents.
    /// </summary>
    public bool IsReplyOrRelated(ReadOnlySpan<byte> packet, int peer, TimeSpan now) => Tracker.IsReplyOrRelated(packet, peer, now);

    private NatResult Open(
        Span<byte> packet, in NatPacket parsed, in FlowTuple reply, PortSearch search, int initialStatus, int peer, FlowOrigin origin, int owner, TimeSpan now)
    {
        switch (Tracker.TryInsert(parsed.Tuple, reply, search, initialStatus, peer, origin, owner, now, out FlowMatch match))
        {
            case ConntrackInsertResult.Inserted:
                return Apply(packet, parsed, match, established: false, PacketTracking.New);
            case ConntrackInsertResult.Existing:
                // Another worker opened the flow first: record this packet on it.
                if (Tracker.TryObserve(parsed.Tuple, parsed.TcpFlags, now, out FlowMatch current))
                {
                    match = current;
                }
                return Apply(packet, parsed, match, established: origin == FlowOrigin.Remote && match.IsReplyFrom(peer));
            case ConntrackInsertResult.TableFull:
                return Drop(NatDrop.TableFull);
            case ConntrackInsertResult.OverShare:
                return Drop(NatDrop.ShareExceeded);
            case ConntrackInsertResult.PortsExhausted:
                return Drop(NatDrop.PortsExhausted);
            default:
                return Drop(NatDrop.MappingInUse);
        }
    }

    /// <summary>Whether a packet that matched no flow may open one, and the TCP state it opens in.</summary>
    private bool CanOpen(in NatPacket parsed, out int initialStatus, out NatResult refusal)
    {
        initialStatus = 0;
        refusal = default;
        switch (parsed.Kind)
        {
            case NatPacketKind.Tcp:
                if (!FlowStatus.TryOpenTcp(parsed.TcpFlags, out initialStatus))
                {
                    refusal = Drop(NatDrop.TcpWithoutFlow);
                    return false;
                }
                return true;
            case NatPacketKind.IcmpEchoReply:
                // A reply opens nothing (Linux treats it as invalid too): its request was never seen.
                refusal = Drop(NatDrop.IcmpWithoutFlow);
                return false;
            default:
                return true;
        }
    }

    private static bool CanOpenSilently(in NatPacket parsed) => parsed.Kind switch
    {
        NatPacketKind.Tcp => FlowStatus.TryOpenTcp(parsed.TcpFlags, out _),
        NatPacketKind.IcmpEchoReply => false,
        _ => true,
    };

    private static NatResult Apply(Span<byte> packet, in NatPacket parsed, in FlowMatch match, bool established, PacketTracking? tracking = null)
    {
        bool translated = match.IsTranslated;
        if (translated)
        {
            ChecksumDelta ignored = default;
            TupleRewriter.Rewrite(packet, parsed, match.Target, ref ignored);
        }
        return NatResult.Pass(
            tracking ?? (match.Direction == FlowDirection.Original ? PacketTracking.Original : PacketTracking.Reply),
            translated,
            established,
            match.Origin);
    }

    private NatResult Drop(NatDrop reason)
    {
        Counters.Drop(reason);
        return NatResult.Drop(reason);
    }
}
