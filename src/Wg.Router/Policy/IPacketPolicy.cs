// The device's one view of the policy router: once per packet each way, nothing about rules, conntrack,
// NAT, MSS clamping or relaying beyond these calls. PolicyRouter is the implementation; the pipelines
// hold it by its sealed type, so the per-packet calls are direct (no interface dispatch on the data path).
using WgSharp.Router.Device;

namespace WgSharp.Router.Policy;

internal interface IPacketPolicy
{
    /// <summary>The compiled configuration in force, or null: no router stage (plain WireGuard, the fast path).
    /// Read once per packet (outbound) or batch (inbound) and passed back to the calls below.</summary>
    RouterState? InForce { get; }

    /// <summary>
    /// A packet read from the TUN: rules, destination lookup, NAT and clamping, which may rewrite it in place. Returns
    /// the peer to send it to, or null when it was dropped (counted, and answered with ICMP for reject and no route).
    /// </summary>
    Peer? RouteOutbound(RouterState state, Span<byte> packet, byte[] scratch);

    /// <summary>
    /// A packet decrypted from <paramref name="from"/> that passed the source check: NAT, rules and clamping, which may
    /// rewrite it in place. <paramref name="target"/> is the peer to relay it to for <see cref="InboundVerdict.Relay"/>.
    /// </summary>
    InboundVerdict RouteInbound(RouterState state, Peer from, Span<byte> packet, byte[] scratch, out Peer? target);
}
