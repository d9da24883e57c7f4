// The router stage of the data path, both directions: rules (PolicyStage), conntrack/NAT (NatEngine),
// MSS clamping and `Routes = when-up` destinations, run only while a RouterState is in force.
//
// One flow passes conntrack once per hop. Outbound (TUN → peer Q): TranslateOutbound records and
// translates it. Inbound (peer P → TUN): TranslateInbound. A relay hop (P → Q, never through the
// kernel) would otherwise meet conntrack twice, so the inbound pass defers: a packet that would open a
// flow, or that goes the original way of a flow already going out to a peer, is left alone (Pending)
// until the rules have decided; then it is opened as inbound (to TUN) or as a Relayed outbound flow to Q
// (with Q's masquerade). Replies on a relayed flow are un-NATed by the inbound pass from Q and, since
// the flow is Relayed, sent on to the peer owning their destination (P) without a second pass.
using WgSharp.Noise;
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using WgSharp.Router.Routing;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed partial class WireGuardDevice
{
    /// <summary>Where the router stage sends a packet decrypted from a peer.</summary>
    internal enum InboundVerdict : byte
    {
        /// <summary>Dropped (and counted).</summary>
        Drop,
        /// <summary>Write to the TUN.</summary>
        Deliver,
        /// <summary>Send to another peer (the out parameter).</summary>
        Relay,
    }

    // Rate of the ICMP errors the device originates, per side they go to (each peer, and the local side), as Linux
    // limits them per destination host (icmp_ratelimit) rather than for everyone at once.
    private const double IcmpErrorsPerSecond = 100;
    private const double IcmpErrorBurst = 20;

    /// <summary>The router state in force (null: none), for the benchmarks.</summary>
    internal RouterState? Router => _router;

    /// <summary>
    /// Outbound: rules, destination lookup, NAT and clamping for a packet read from the TUN. Returns the peer to
    /// send it to, or null when it was dropped (counted, and answered with ICMP for reject and no route).
    /// </summary>
    private Peer? RouteOutboundPolicy(RouterState router, Span<byte> packet, byte[] scratch)
    {
        if (!PacketSummary.TryParse(packet, out PacketSummary summary))
        {
            _counters.Drop(DeviceDrop.InvalidPacket);
            return null;
        }

        // The rules decide flows: with conntrack running, a packet's state decides which rules see it (rules select
        // new flows unless they name a state), and a packet of a tracked flow that no rule decides follows its flow.
        PolicyStates state = PolicyStates.New;
        int flowPeer = ConnectionTracker.AnyPeer;
        if (router.NatActive && router.HasRules)
        {
            state = _nat!.Classify(packet, RouterNow, out flowPeer);
        }

        PolicyDecision<Peer> decision = router.HasRules ? _policy.Evaluate(summary, null, 0, state) : default;
        Peer? peer = null;
        switch (decision.Action)
        {
            case PolicyAction.Drop:
                _counters.Drop(DeviceDrop.PolicyDrop);
                return null;
            case PolicyAction.Reject:
                _counters.Drop(DeviceDrop.PolicyReject);
                AnswerToTun(packet, IcmpErrorKind.AdministrativelyProhibited, scratch);
                return null;
            case PolicyAction.ToPeer:
                peer = decision.Peer;
                break;
            case PolicyAction.Default when state is PolicyStates.Established or PolicyStates.Related:
            case PolicyAction.Accept when state is PolicyStates.Established or PolicyStates.Related:
                // The peer the flow went out to or came in from, while it can receive (a when-up peer that is not
                // live falls over to the routes, as its new flows do).
                if (router.TryGetPeer(flowPeer, out Peer? flowOwner) && flowOwner.IsDestination)
                {
                    peer = flowOwner;
                }

                break;
        }

        if (peer is null && !TryLookupDestination(router, summary.Destination, out peer))
        {
            _counters.Drop(DeviceDrop.NoRoute);
            AnswerToTun(packet, IcmpErrorKind.Unreachable, scratch);
            return null;
        }

        // An invalid packet a rule accepted passes untranslated: it has no flow to take a translation from. Without
        // such a rule the translation drops it and counts why.
        bool acceptedInvalid = state == PolicyStates.Invalid && decision.Action == PolicyAction.Accept;
        if (router.NatActive && !acceptedInvalid &&
            !TranslateTowards(router, packet, peer, decision.Masquerade, summary.Family, FlowOrigin.Local, ConnectionTracker.LocalOwner, scratch))
        {
            return null;
        }

        if (router.Clamp.IsEnabled)
        {
            router.Clamp.TryClamp(packet, summary);
        }

        return peer;
    }

    /// <summary>
    /// Inbound: NAT, rules and clamping for a packet decrypted from <paramref name="from"/> that passed the source
    /// check. <paramref name="target"/> is the peer to relay it to for <see cref="InboundVerdict.Relay"/>. Internal
    /// for the benchmarks (with <see cref="Router"/>).
    /// </summary>
    internal InboundVerdict RouteInboundPolicy(RouterState router, Peer from, Span<byte> packet, byte[] scratch, out Peer? target)
    {
        target = null;
        NatResult nat = default;
        PolicyStates state = PolicyStates.New;
        if (router.NatActive)
        {
            nat = _nat!.TranslateInbound(packet, from.Tag, from.InboundEstablishedOnly, RouterNow, deferOpen: true);
            if (nat.IsHeld)
            {
                return InboundVerdict.Drop;
            }

            if (nat.IsDropped)
            {
                // Invalid packets are dropped (and counted) unless a rule selecting `State = invalid` decides them.
                if (!(nat.IsInvalid && router.HasRules))
                {
                    _counters.Drop(DeviceDrop.NatDrop);
                    return InboundVerdict.Drop;
                }

                state = PolicyStates.Invalid;
            }
            else
            {
                state = StateOf(nat);
            }
        }

        // Parsed after un-NAT: the rules see the addresses the packet has on this side.
        if (!PacketSummary.TryParse(packet, out PacketSummary summary))
        {
            _counters.Drop(DeviceDrop.InvalidPacket);
            return InboundVerdict.Drop;
        }

        PolicyDecision<Peer> decision = router.HasRules ? _policy.Evaluate(summary, from, 0, state) : default;
        if (state == PolicyStates.Invalid)
        {
            switch (decision.Action)
            {
                case PolicyAction.Accept:
                    break;
                case PolicyAction.Reject:
                    _counters.Drop(DeviceDrop.PolicyReject);
                    AnswerToPeer(from, packet, scratch);
                    return InboundVerdict.Drop;
                case PolicyAction.Drop:
                    _counters.Drop(DeviceDrop.PolicyDrop);
                    return InboundVerdict.Drop;
                default:
                    _counters.Drop(DeviceDrop.NatDrop);
                    return InboundVerdict.Drop;
            }

            // Accepted: to the TUN as it is, with no flow to translate it by.
            if (router.Clamp.IsEnabled)
            {
                router.Clamp.TryClamp(packet, summary);
            }

            return InboundVerdict.Deliver;
        }

        switch (decision.Action)
        {
            case PolicyAction.Drop:
                _counters.Drop(DeviceDrop.PolicyDrop);
                return InboundVerdict.Drop;
            case PolicyAction.Reject:
                _counters.Drop(DeviceDrop.PolicyReject);
                AnswerToPeer(from, packet, scratch);
                return InboundVerdict.Drop;
            case PolicyAction.ToPeer:
                target = decision.Peer;
                break;
            case PolicyAction.Route:
                target = OtherOwner(router, summary.Destination, from);
                break;
            default:
                if (router.NatActive && nat.Tracking == PacketTracking.Pending && nat.FlowPeer != ConnectionTracker.AnyPeer)
                {
                    // The original way of a flow relayed through this device: on to the peer it was opened to while
                    // that one can receive, else wherever the routes say now.
                    target = router.TryGetPeer(nat.FlowPeer, out Peer? flowOwner) && flowOwner.IsDestination && flowOwner != from
                        ? flowOwner
                        : OtherOwner(router, summary.Destination, from);
                }
                else if (router.RelayInUserspace && decision.Action == PolicyAction.Default && state == PolicyStates.New)
                {
                    // `Relay = userspace`: to the peer owning the destination, if another one does, not to the kernel.
                    target = OtherOwner(router, summary.Destination, from);
                }
                else if (router.NatActive && nat.Origin == FlowOrigin.Relayed && nat.Tracking != PacketTracking.Pending)
                {
                    // Default and Accept go to the TUN, except replies (and errors) on a flow relayed to this peer:
                    // they go back to the peer the flow came from, which owns their destination.
                    target = OtherOwner(router, summary.Destination, from);
                }

                break;
        }

        bool pending = router.NatActive && nat.Tracking == PacketTracking.Pending;
        if (target is not null)
        {
            if (pending && !TranslateTowards(router, packet, target, decision.Masquerade, summary.Family, FlowOrigin.Relayed, from.Tag, scratch))
            {
                return InboundVerdict.Drop;
            }
        }
        else if (pending)
        {
            NatResult opened = _nat!.TranslateInbound(packet, from.Tag, from.InboundEstablishedOnly, RouterNow);
            if (opened.IsDropped)
            {
                _counters.Drop(DeviceDrop.NatDrop);
                return InboundVerdict.Drop;
            }

            SendReleasedFragments(opened, null, scratch);
        }

        if (router.NatActive && !pending)
        {
            SendReleasedFragments(nat, target, scratch);
        }

        if (router.Clamp.IsEnabled)
        {
            router.Clamp.TryClamp(packet, summary);
        }

        return target is null ? InboundVerdict.Deliver : InboundVerdict.Relay;
    }

    // The conntrack state of a packet the inbound translation let through: a packet that opened a flow, or will open
    // one when it is sent on, is new; any other packet of a flow is established, an error about one related.
    private static PolicyStates StateOf(in NatResult nat) => nat.Tracking switch
    {
        PacketTracking.Original or PacketTracking.Reply => PolicyStates.Established,
        PacketTracking.Related => PolicyStates.Related,
        PacketTracking.Pending when nat.FlowPeer != ConnectionTracker.AnyPeer => PolicyStates.Established,
        _ => PolicyStates.New,
    };

    // Conntrack/NAT for a packet about to be sent to a peer; false when dropped (counted). A new flow counts against
    // the share of owner: the peer a relayed packet came from, or the local side.
    private bool TranslateTowards(RouterState router, Span<byte> packet, Peer peer, bool masquerade, IpFamily family, FlowOrigin origin, int owner, byte[] scratch)
    {
        IpAddressKey source = default;
        if (masquerade && !router.TryGetMasquerade(family, out source))
        {
            _counters.Drop(DeviceDrop.NoMasqueradeAddress);
            return false;
        }

        NatResult result = _nat!.TranslateOutbound(packet, peer.Tag, source, RouterNow, origin, owner);
        if (result.IsDropped)
        {
            // A held fragment is no drop: it goes when its first fragment comes.
            if (!result.IsHeld)
            {
                _counters.Drop(DeviceDrop.NatDrop);
            }

            return false;
        }

        SendReleasedFragments(result, peer, scratch);
        return true;
    }

    // Fragments that came before their datagram's first fragment, released by it and translated its way: sent where it
    // goes, to the peer (sealed one by one, as the ICMP answers are) or to the TUN (peer null).
    private void SendReleasedFragments(in NatResult first, Peer? peer, byte[] scratch)
    {
        if (first.Released.Count == 0)
        {
            return;
        }

        while (_nat!.TryTakeReleased(first, scratch.AsSpan(PacketBatch.HeadRoom), out int length))
        {
            if (peer is not null)
            {
                TunnelResult result = peer.Tunnel.Encapsulate(scratch.AsSpan(PacketBatch.HeadRoom, length), scratch);
                if (result.Operation == TunnelOperation.WriteToNetwork)
                {
                    SendToPeer(peer, result.Packet);
                }

                continue;
            }

            lock (_icmpWriteLock)
            {
                _icmpBuffers[0] = scratch;
                _icmpSizes[0] = length;
                _tun.Write(_icmpBuffers, _icmpSizes, 1, PacketBatch.HeadRoom);
                _icmpBuffers[0] = null!;
            }
        }
    }

    // The peer whose AllowedIPs hold the destination (skipping when-up peers that cannot receive), if not the sender.
    private Peer? OtherOwner(RouterState router, IpAddressKey destination, Peer from) =>
        TryLookupDestination(router, destination, out Peer? owner) && owner != from ? owner : null;

    private bool TryLookupDestination(RouterState router, IpAddressKey destination, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Peer? peer) =>
        router.AnyWhenUp ? _allowedIps.TryLookup(destination, CanReceive, out peer) : _allowedIps.TryLookup(destination, out peer);

    // A Reject rule on a packet from a peer: ICMP administratively prohibited back to it through the tunnel, from the
    // rejected destination (the address the peer routed to this device, so it passes the peer's source check).
    private void AnswerToPeer(Peer peer, ReadOnlySpan<byte> packet, byte[] scratch)
    {
        if (!IcmpLimiterOf(peer).TryTake() || !IpPacket.TryGetDestinationAddress(packet, out ReadOnlySpan<byte> destination) ||
            !IpAddressKey.TryCreate(destination, out IpAddressKey source) ||
            !PolicyReject.TryWrite(packet, source, scratch.AsSpan(PacketBatch.HeadRoom), out int length))
        {
            return;
        }

        TunnelResult result = peer.Tunnel.Encapsulate(scratch.AsSpan(PacketBatch.HeadRoom, length), scratch);
        if (result.Operation == TunnelOperation.WriteToNetwork)
        {
            SendToPeer(peer, result.Packet);
        }
    }

    // The peer's own ICMP rate limit (the local side's, for errors into the TUN, is _icmpLimiter), at the same rate.
    private TokenBucket IcmpLimiterOf(Peer peer)
    {
        TokenBucket? bucket = Volatile.Read(ref peer.IcmpLimiter);
        if (bucket is null)
        {
            Interlocked.CompareExchange(ref peer.IcmpLimiter, new TokenBucket(IcmpErrorsPerSecond, IcmpErrorBurst, _time), null);
            bucket = Volatile.Read(ref peer.IcmpLimiter)!;
        }

        return bucket;
    }

    /// <summary>
    /// Sends the relayed packets of an inbound batch (sealed in place in their buffers) to their peers, consecutive
    /// packets of one peer in one send. Their counters are reserved on this thread while the TUN reader reserves
    /// for the same peer, so the two streams interleave a little out of order: well inside the replay window.
    /// </summary>
    private void SendRelayed(PacketBatch batch, int[] indices, Peer?[] targets, int count, byte[][] runBuffers, int[] runSizes, byte[] scratch)
    {
        int sealedCount = 0;
        for (int r = 0; r < count; r++)
        {
            int i = indices[r];
            Peer target = targets[r]!;
            byte[] buffer = batch.Buffers[i];
            Span<byte> packet = buffer.AsSpan(PacketBatch.HeadRoom, batch.Sizes[i]);
            if (!target.TryGetEndpoint(out UdpEndpoint endpoint))
            {
                _counters.Drop(DeviceDrop.NoEndpoint);
                targets[r] = null;
                continue;
            }

            if (target.Tunnel.TryReserveSend(out SendReservation reservation))
            {
                if (target.Tunnel.TrySeal(ref reservation, packet, buffer, out int length))
                {
                    batch.Sizes[i] = length;
                    sealedCount++;
                }
                else
                {
                    targets[r] = null; // erased since the reservation: counted by the engine, not sent
                }

                continue;
            }

            TunnelResult result = target.Tunnel.QueueForHandshake(packet, scratch);
            if (result.Operation == TunnelOperation.WriteToNetwork)
            {
                DeviceLog.Sending(_logger, target, "handshake initiation");
                SendOne(target, endpoint, result.Packet);
            }

            targets[r] = null;
        }

        for (int r = 0; r < count && sealedCount > 0; r++)
        {
            Peer? peer = targets[r];
            if (peer is null)
            {
                continue;
            }

            int run = 0;
            for (int k = r; k < count; k++)
            {
                if (targets[k] == peer)
                {
                    runBuffers[run] = batch.Buffers[indices[k]];
                    runSizes[run] = batch.Sizes[indices[k]];
                    run++;
                    targets[k] = null;
                }
            }

            sealedCount -= run;
            SendRun(peer, runBuffers, runSizes, run);
        }

        Array.Clear(runBuffers);
        Array.Clear(targets);
    }
}
