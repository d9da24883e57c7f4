// What the router stage decides for a packet decrypted from a peer.
namespace WgSharp.Router.Policy;

/// <summary>Where the router stage sends a packet decrypted from a peer.</summary>
internal enum InboundVerdict : byte
{
    /// <summary>Dropped (and counted).</summary>
    Drop,

    /// <summary>Write to the TUN.</summary>
    Deliver,

    /// <summary>Send to another peer (the target the router named).</summary>
    Relay,
}
