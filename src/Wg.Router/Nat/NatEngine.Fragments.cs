// NatEngine's fragment handling: a first fragment is translated as a whole packet (it has the ports and
// the transport checksum) and recorded as its datagram's train; later fragments take its addresses (and,
// for IPv4, the header checksum that goes with them), its verdict and its flow, without being copied.
using WgSharp.Router.Policy;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Nat;

internal sealed partial class NatEngine
{
    /// <summary>
    /// Hands over one fragment the first fragment of <paramref name="first"/> released (held because it came
    /// before it), translated as that one was: copied into <paramref name="destination"/> (at least
    /// <see cref="FragmentOptions.HeldBytes"/> long), to be sent where the first one goes. Call until false.
    /// </summary>
    public bool TryTakeReleased(in NatResult first, Span<byte> destination, out int length)
    {
        if (!Fragments.TryTakeReleased(first.Released, destination, out length, out FragmentFollow follow))
        {
            return false;
        }
        if (follow.Translated && NatPacket.Parse(destination[..length], out NatPacket parsed) == NatPacketStatus.Fragment)
        {
            RewriteAddresses(destination, parsed, follow.Addresses);
        }
        return true;
    }

    /// <summary>
    /// Forgets <paramref name="peer"/> (removed, so its tag may be reused): the flows opened to, from or by it, and
    /// the fragment trains it owns. Returns how many flows went.
    /// </summary>
    public int RemovePeer(int peer)
    {
        Fragments.RemoveOwner(peer);
        return Tracker.RemovePeer(peer);
    }

    private NatResult DropUnparsed(NatPacketStatus status) => Drop(status == NatPacketStatus.TinyFragment ? NatDrop.FragmentTiny : NatDrop.Malformed);

    /// <summary>
    /// Records a first fragment's outcome for the rest of its datagram. A pending result records nothing: the pass
    /// that translates it will. A fragment whose train cannot be recorded is dropped (counted): its datagram could
    /// not be delivered whole.
    /// </summary>
    private NatResult RecordFirst(ReadOnlySpan<byte> packet, in NatPacket parsed, in FragmentKey key, in NatResult result, int flowPeer, int owner, TimeSpan now)
    {
        if (result.IsDropped)
        {
            Fragments.RecordFirst(key, owner, parsed.Fragment, FragmentFollow.Dropped, now, out _, out _);
            return result;
        }
        if (result.Tracking == PacketTracking.Pending)
        {
            return result;
        }
        var follow = new FragmentFollow(
            FragmentKey.AddressesOf(packet, parsed), result.Translated, result.Tracking, result.IsEstablished, result.Origin, flowPeer);
        if (!Fragments.RecordFirst(key, owner, parsed.Fragment, follow, now, out NatDrop refusal, out FragmentRelease released))
        {
            return Drop(refusal);
        }
        return released.Count > 0 ? result.WithReleased(released) : result;
    }

    private NatResult FollowOutbound(Span<byte> packet, in NatPacket parsed, int owner, TimeSpan now)
    {
        FragmentKey key = FragmentKey.Of(FragmentPass.Outbound, packet, parsed);
        return Follow(packet, parsed, key, owner, now);
    }

    /// <summary>
    /// A later fragment from a peer. With <paramref name="deferOpen"/>, one whose datagram is being relayed through
    /// this device (its first fragment went out again as a relayed flow) is left for the outbound pass, as its first
    /// was (<see cref="PacketTracking.Pending"/> on the flow's peer).
    /// </summary>
    private NatResult FollowInbound(Span<byte> packet, in NatPacket parsed, int peer, TimeSpan now, bool deferOpen)
    {
        FragmentKey key = FragmentKey.Of(FragmentPass.Inbound, packet, parsed);
        if (deferOpen)
        {
            FragmentTracker.Verdict verdict = Fragments.Follow(key, peer, packet[..parsed.Length], parsed.Fragment, mayHold: false, now, out FragmentFollow follow, out NatDrop reason);
            switch (verdict)
            {
                case FragmentTracker.Verdict.Follow:
                    return ApplyFollow(packet, parsed, follow);
                case FragmentTracker.Verdict.Drop:
                    return Drop(reason);
            }
            if (Fragments.TryPeek(key.WithPass(FragmentPass.Outbound), now, out FragmentFollow relayed) && !relayed.IsDropped && relayed.Origin == FlowOrigin.Relayed)
            {
                return NatResult.PendingOnFlow(FlowOrigin.Relayed, relayed.FlowPeer);
            }
        }
        return Follow(packet, parsed, key, peer, now);
    }

    private NatResult Follow(Span<byte> packet, in NatPacket parsed, in FragmentKey key, int owner, TimeSpan now)
    {
        switch (Fragments.Follow(key, owner, packet[..parsed.Length], parsed.Fragment, mayHold: true, now, out FragmentFollow follow, out NatDrop reason))
        {
            case FragmentTracker.Verdict.Follow:
                return ApplyFollow(packet, parsed, follow);
            case FragmentTracker.Verdict.Held:
                return NatResult.Held();
            default:
                return Drop(reason);
        }
    }

    private static NatResult ApplyFollow(Span<byte> packet, in NatPacket parsed, in FragmentFollow follow)
    {
        if (follow.Translated)
        {
            RewriteAddresses(packet, parsed, follow.Addresses);
        }
        return follow.ToResult();
    }

    /// <summary>A later fragment gets its first's addresses; IPv4 keeps its header checksum right (RFC 1624), IPv6 has none.</summary>
    private static void RewriteAddresses(Span<byte> packet, in NatPacket parsed, in FlowTuple addresses)
    {
        bool v4 = parsed.Family == IpFamily.V4;
        ChecksumDelta ignored = default;
        ChecksumDelta pseudo = default;
        Span<byte> address = stackalloc byte[IpAddressKey.V6Length];
        int addressLength = parsed.AddressLength;
        if (!parsed.Tuple.SourceAddressEquals(addresses))
        {
            addresses.WriteSource(address);
            TupleRewriter.ReplaceAddress(packet, parsed.SourceOffset, v4, address[..addressLength], ref ignored, ref pseudo);
        }
        if (!parsed.Tuple.DestinationAddressEquals(addresses))
        {
            addresses.WriteDestination(address);
            TupleRewriter.ReplaceAddress(packet, parsed.DestinationOffset, v4, address[..addressLength], ref ignored, ref pseudo);
        }
    }

    /// <summary>A later fragment from the local side, for the rules: established on its first's flow (towards its peer) once that passed.</summary>
    private PolicyStates ClassifyFragment(ReadOnlySpan<byte> packet, in NatPacket parsed, TimeSpan now, out int flowPeer)
    {
        flowPeer = ConnectionTracker.AnyPeer;
        if (!Fragments.TryPeek(FragmentKey.Of(FragmentPass.Outbound, packet, parsed), now, out FragmentFollow follow) || follow.IsDropped)
        {
            return PolicyStates.New;
        }
        flowPeer = follow.FlowPeer;
        return follow.Tracking == PacketTracking.Related ? PolicyStates.Related : PolicyStates.Established;
    }
}
