// WgSharp's [Peer] Inbound key: which packets decrypted from the peer may enter the local side.
namespace WgSharp.Cli.Configuration;

internal enum InboundPolicy
{
    /// <summary>The default: anything AllowedIPs allows.</summary>
    Any,

    /// <summary>Only replies to flows that went out to this peer (a stateful filter).</summary>
    Established,
}
