// ICMP errors the device originates. Like kernel WireGuard, a packet for an address no peer owns is
// answered with ICMP host/address unreachable, so applications fail fast instead of timing out; a
// Reject rule answers administratively prohibited. An error about a packet read from the TUN is
// injected into the TUN with the unreachable destination as its source: an address of this host would
// be refused by the kernel as a martian source, and this one routes back through the TUN, passing
// reverse-path checks. An error about a packet from a peer goes back to it through the tunnel.
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using WgSharp.Router.Routing;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed class IcmpResponder
{
    // Rate of the ICMP errors the device originates, per side they go to (each peer, and the local side), as Linux
    // limits them per destination host (icmp_ratelimit) rather than for everyone at once.
    private const double ErrorsPerSecond = 100;
    private const double ErrorBurst = 20;

    private readonly TimeProvider _time;
    private readonly TokenBucket _localLimiter;

    public IcmpResponder(ITunDevice tun, PeerSender sender, TimeProvider time)
    {
        Sender = new LonePacketSender(tun, sender);
        _time = time;
        _localLimiter = new TokenBucket(ErrorsPerSecond, ErrorBurst, time);
    }

    /// <summary>How the answers leave; the router stage sends released fragments the same way.</summary>
    public LonePacketSender Sender { get; }

    /// <summary>
    /// Writes an ICMP error of <paramref name="kind"/> about <paramref name="packet"/> (read from the TUN) back into
    /// the TUN, from the packet's destination; rate-limited. <paramref name="scratch"/> is a packet buffer.
    /// </summary>
    public void AnswerToTun(ReadOnlySpan<byte> packet, IcmpErrorKind kind, byte[] scratch)
    {
        if (!_localLimiter.TryTake())
        {
            return;
        }

        if (!IpPacket.TryGetDestinationAddress(packet, out ReadOnlySpan<byte> destination))
        {
            return;
        }

        if (IpAddressKey.TryCreate(destination, out IpAddressKey source) &&
            IcmpErrorBuilder.TryWrite(packet, kind, source, 0, scratch.AsSpan(PacketBatch.HeadRoom), out int length))
        {
            Sender.WriteToTun(scratch, length);
        }
    }

    /// <summary>
    /// A Reject rule on a packet from a peer: ICMP administratively prohibited back to it through the tunnel, from the
    /// rejected destination (the address the peer routed to this device, so it passes the peer's source check).
    /// </summary>
    public void AnswerToPeer(Peer peer, ReadOnlySpan<byte> packet, byte[] scratch)
    {
        if (!LimiterOf(peer).TryTake() || !IpPacket.TryGetDestinationAddress(packet, out ReadOnlySpan<byte> destination) ||
            !IpAddressKey.TryCreate(destination, out IpAddressKey source) ||
            !PolicyReject.TryWrite(packet, source, scratch.AsSpan(PacketBatch.HeadRoom), out int length))
        {
            return;
        }

        Sender.SealAndSend(peer, scratch, length);
    }

    // The peer's own ICMP rate limit (the local side's is _localLimiter), at the same rate; one peer's flood cannot use
    // up the others' answers.
    private TokenBucket LimiterOf(Peer peer)
    {
        TokenBucket? bucket = Volatile.Read(ref peer.IcmpLimiter);
        if (bucket is null)
        {
            Interlocked.CompareExchange(ref peer.IcmpLimiter, new TokenBucket(ErrorsPerSecond, ErrorBurst, _time), null);
            bucket = Volatile.Read(ref peer.IcmpLimiter)!;
        }

        return bucket;
    }
}
