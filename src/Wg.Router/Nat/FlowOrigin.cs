// Which side opened a flow, relative to the tunnel: what `Inbound = established` needs to know.
namespace WgSharp.Router.Nat;

public enum FlowOrigin : byte
{
    /// <summary>Opened from the local side (TUN, or relayed) towards a peer: the flow "went out to" that peer.</summary>
    Local = 0,

    /// <summary>Opened by a packet that arrived from a peer.</summary>
    Remote = 1,

    /// <summary>
    /// Opened by a packet that arrived from one peer and that the router relayed to another (hub): like
    /// <see cref="Local"/> the flow went out to the peer it was relayed to, and its replies are relayed
    /// back towards the peer owning their destination instead of going to the TUN.
    /// </summary>
    Relayed = 2,
}
