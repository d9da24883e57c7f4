// The router stage of the data path, both directions: rules (PolicyStage), conntrack/NAT (NatEngine),
// MSS clamping, relaying between peers and `Routes = when-up` destinations, run only while a
// RouterState is in force. The device calls it once per packet each way (IPacketPolicy); its control
// plane (configuration, status, liveness, sweeping) is in PolicyRouter.Control.
//
// One flow passes conntrack once per hop. Outbound (TUN → peer Q): TranslateOutbound records and
// translates it. Inbound (peer P → TUN): TranslateInbound. A relay hop (P → Q, never through the
// kernel) would otherwise meet conntrack twice, so the inbound pass defers: a packet that would open a
// flow, or that goes the original way of a flow already going out to a peer, is left alone (Pending)
// until the rules have decided; then it is opened as inbound (to TUN) or as a Relayed outbound flow to Q
// (with Q's masquerade). Replies on a relayed flow are un-NATed by the inbound pass from Q and, since
// the flow is Relayed, sent on to the peer owning their destination (P) without a second pass.
using WgSharp.Router.Device;
using WgSharp.Router.Nat;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Policy;

internal sealed partial class PolicyRouter : IPacketPolicy
{
    /// <inheritdoc/>
    public RouterState? InForce => _state;

    /// <inheritdoc/>
    public Peer? RouteOutbound(RouterState router, Span<byte> packet, byte[] scratch)
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

        PolicyDecision<Peer> decision = router.HasRules ? _rules.Evaluate(summary, null, 0, state) : default;
        Peer? peer = null;
        switch (decision.Action)
        {
            case PolicyAction.Drop:
                _counters.Drop(DeviceDrop.PolicyDrop);
                return null;
            case PolicyAction.Reject:
                _counters.Drop(DeviceDrop.PolicyReject);
                _icmp.AnswerToTun(packet, IcmpErrorKind.AdministrativelyProhibited, scratch);
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
            _icmp.AnswerToTun(packet, IcmpErrorKind.Unreachable, scratch);
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

    /// <inheritdoc/>
    public InboundVerdict RouteInbound(RouterState router, Peer from, Span<byte> packet, byte[] scratch, out Peer? target)
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

        PolicyDecision<Peer> decision = router.HasRules ? _rules.Evaluate(summary, from, 0, state) : default;
        if (state == PolicyStates.Invalid)
        {
            switch (decision.Action)
            {
                case PolicyAction.Accept:
                    break;
                case PolicyAction.Reject:
                    _counters.Drop(DeviceDrop.PolicyReject);
                    _icmp.AnswerToPeer(from, packet, scratch);
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
                _icmp.AnswerToPeer(from, packet, scratch);
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
                _icmp.Sender.SealAndSend(peer, scratch, length);
            }
            else
            {
                _icmp.Sender.WriteToTun(scratch, length);
            }
        }
    }

    // The peer whose AllowedIPs hold the destination (skipping when-up peers that cannot receive), if not the sender.
    private Peer? OtherOwner(RouterState router, IpAddressKey destination, Peer from) =>
        TryLookupDestination(router, destination, out Peer? owner) && owner != from ? owner : null;

    private bool TryLookupDestination(RouterState router, IpAddressKey destination, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Peer? peer) =>
        _peers.TryLookupDestination(destination, router.AnyWhenUp, out peer);
}
