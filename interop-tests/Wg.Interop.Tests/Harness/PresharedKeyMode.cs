// How a TunnelPair sets preshared keys on its two peers.
namespace WgSharp.Interop.Tests.Harness;

internal enum PresharedKeyMode
{
    None,

    /// <summary>Both peers share one key: handshakes must succeed.</summary>
    Same,

    /// <summary>Each side has its own key: handshakes must fail.</summary>
    Different,
}
