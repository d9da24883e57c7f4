// What a received datagram is, by its message type field (whitepaper §5.4): what a device needs to
// know to route it to the handshake queue or to the transport path before the engine looks inside.
namespace WgSharp.Noise.Messages;

/// <summary>The kind of a datagram as <see cref="MessageClassifier.Classify"/> sees it.</summary>
public enum MessageKind : byte
{
    /// <summary>Too short to carry a message type, or a type WireGuard does not have.</summary>
    Unknown,

    /// <summary>Handshake initiation, whitepaper §5.4.2.</summary>
    HandshakeInitiation,

    /// <summary>Handshake response, whitepaper §5.4.3.</summary>
    HandshakeResponse,

    /// <summary>Cookie reply, whitepaper §5.4.7.</summary>
    CookieReply,

    /// <summary>Transport data (and keepalives), whitepaper §5.4.6.</summary>
    TransportData,
}
