// Which side opened a flow, relative to the tunnel: what `Inbound = established` needs to know.
namespace WgSharp.Router.Nat;

internal enum FlowOrigin : byte
{
    /// <summary>Opened from the local side (TUN, or relayed) towards a peer: the flow "went out to" that peer.</summary>
    Local = 0,

    /// <summary>Opened by a packet that arrived from a peer.</summary>
    Remote = 1,
}
