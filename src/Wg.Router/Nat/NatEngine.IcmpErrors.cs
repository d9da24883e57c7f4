// NatEngine's ICMP errors: found by the flow of the packet they quote, and translated with that packet
// (the quote rewritten as its own direction would be undone, the outer addresses and the ICMP checksum with it).
using System.Buffers.Binary;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Nat;

internal sealed partial class NatEngine
{
    /// <summary>
    /// An ICMP error relates to the flow of the packet it quotes; that packet went the other way, so the
    /// flow is found by the quote's inverted tuple, without refreshing it. The error must go to the sender
    /// of the quoted packet as the flow knows it (the destination of the tuple it matched, before un-NAT),
    /// as Linux nf_conntrack_inet_error requires: otherwise a quote of a real flow would carry an error, and
    /// whatever bytes trail it, to any address (<see cref="NatDrop.IcmpErrorMisdirected"/>). From an
    /// established-only peer, redirects and source quench are refused outright: they relate to a flow but
    /// would let the peer steer or throttle this side's hosts. When the flow is translated,
    /// the quote is rewritten as its own direction would be undone (inverse of the error's target), the
    /// outer source or destination is rewritten where it is the flow's own address (an error from the
    /// NATed host itself, or to it), and the ICMP checksum takes every change, including the outer
    /// addresses for ICMPv6's pseudo header (RFC 4443 2.3). The reported MTU is left as it is.
    /// </summary>
    private NatResult TranslateIcmpError(Span<byte> packet, in NatPacket outer, bool inbound, int peer, bool establishedOnly, TimeSpan now)
    {
        Span<byte> message = packet[outer.TransportOffset..outer.Length];
        if (establishedOnly && outer.Family == IpFamily.V4 && message[0] is IcmpTypes.V4.Redirect or IcmpTypes.V4.SourceQuench)
        {
            return Drop(NatDrop.NotEstablished);
        }
        Span<byte> quoted = message[IcmpHeader.Length..];
        NatPacketStatus status = NatPacket.ParseQuoted(quoted, out NatPacket inner);
        if (status == NatPacketStatus.Malformed || (status == NatPacketStatus.Valid && inner.Family != outer.Family))
        {
            return Drop(NatDrop.Malformed);
        }
        if (status != NatPacketStatus.Valid)
        {
            // A later fragment (no ports) names no flow: a router quotes the first (RFC 792, RFC 4443 3.3).
            return Drop(establishedOnly ? NatDrop.NotEstablished : NatDrop.IcmpWithoutFlow);
        }
        FlowTuple key = inner.Tuple.Invert();
        if (!Tracker.TryFind(key, now, out FlowMatch match))
        {
            return Drop(establishedOnly ? NatDrop.NotEstablished : NatDrop.IcmpWithoutFlow);
        }
        bool established = inbound && match.IsReplyFrom(peer);
        if (establishedOnly && !established)
        {
            return Drop(NatDrop.NotEstablished);
        }
        if (!outer.Tuple.DestinationAddressEquals(key))
        {
            return Drop(NatDrop.IcmpErrorMisdirected);
        }
        if (!match.IsTranslated)
        {
            return NatResult.Pass(PacketTracking.Related, false, established, match.Origin);
        }

        FlowTuple target = match.Target;
        ChecksumDelta icmpDelta = default;
        TupleRewriter.Rewrite(quoted, inner, target.Invert(), ref icmpDelta);

        bool v4 = outer.Family == IpFamily.V4;
        ChecksumDelta ignored = default;
        ChecksumDelta outerAddresses = default;
        Span<byte> address = stackalloc byte[IpAddressKey.V6Length];
        int addressLength = outer.AddressLength;
        if (outer.Tuple.SourceAddressEquals(key) && !key.SourceAddressEquals(target))
        {
            target.WriteSource(address);
            TupleRewriter.ReplaceAddress(packet, outer.SourceOffset, v4, address[..addressLength], ref ignored, ref outerAddresses);
        }
        if (outer.Tuple.DestinationAddressEquals(key) && !key.DestinationAddressEquals(target))
        {
            target.WriteDestination(address);
            TupleRewriter.ReplaceAddress(packet, outer.DestinationOffset, v4, address[..addressLength], ref ignored, ref outerAddresses);
        }
        if (!v4)
        {
            icmpDelta.Add(outerAddresses);
        }
        // The ICMPv4 and ICMPv6 checksums both sit at bytes 2..3 of the message.
        BinaryPrimitives.WriteUInt16BigEndian(message[2..], icmpDelta.Apply(BinaryPrimitives.ReadUInt16BigEndian(message[2..])));
        return NatResult.Pass(PacketTracking.Related, true, established, match.Origin);
    }
}
