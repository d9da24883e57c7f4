// ConnectionTracker's packet-level queries: the `Inbound = established` test on raw packet bytes.
using WgSharp.Router.Packets;

namespace WgSharp.Router.Nat;

internal sealed partial class ConnectionTracker
{
    /// <summary>
    /// Is <paramref name="packet"/>, as it arrived from <paramref name="peer"/> (before any un-NAT), a
    /// reply on a live flow that went out to that peer, or an ICMP error quoting a packet of one (its
    /// quote, inverted, is such a reply)? Reads only; refreshes nothing. False for anything malformed.
    /// </summary>
    public bool IsReplyOrRelated(ReadOnlySpan<byte> packet, int peer, TimeSpan now)
    {
        if (NatPacket.Parse(packet, out NatPacket parsed) != NatPacketStatus.Valid)
        {
            return false;
        }
        FlowTuple key = parsed.Tuple;
        if (parsed.Kind == NatPacketKind.IcmpError)
        {
            ReadOnlySpan<byte> quoted = packet[(parsed.TransportOffset + IcmpHeader.Length)..parsed.Length];
            if (NatPacket.ParseQuoted(quoted, out NatPacket inner) != NatPacketStatus.Valid || inner.Family != parsed.Family)
            {
                return false;
            }
            key = inner.Tuple.Invert();
        }
        return TryFind(key, now, out FlowMatch match) && match.IsReplyFrom(peer);
    }
}
