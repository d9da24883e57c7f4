// The outcome of the rule stage for one packet, as PolicyDecision carries it.
namespace WgSharp.Router.Policy;

internal enum PolicyAction : byte
{
    /// <summary>No rule decided: the packet takes its direction's default path (outbound: AllowedIPs; inbound: TUN).</summary>
    Default,

    /// <summary>Route by destination (AllowedIPs); from a peer, a destination another peer owns is relayed to it.</summary>
    Route,

    /// <summary>Send to <see cref="PolicyDecision{TPeer}.Peer"/>.</summary>
    ToPeer,

    /// <summary>Pass unchanged on the direction's default path.</summary>
    Accept,

    Drop,

    /// <summary>Drop and answer with <see cref="PolicyReject"/>.</summary>
    Reject,
}
