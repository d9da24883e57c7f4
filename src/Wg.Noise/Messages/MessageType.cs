// The four WireGuard message types (whitepaper §5.4): the first byte of every datagram, followed by three zero bytes.
namespace WgSharp.Noise.Messages;

/// <summary>
/// The message type field. On the wire it is one byte followed by three reserved zero bytes, so reading the
/// first four bytes as a little-endian <see cref="uint"/> yields exactly one of these values for a valid message.
/// </summary>
internal enum MessageType : uint
{
    /// <summary>Handshake initiation, whitepaper §5.4.2 (148 bytes).</summary>
    HandshakeInitiation = 1,

    /// <summary>Handshake response, whitepaper §5.4.3 (92 bytes).</summary>
    HandshakeResponse = 2,

    /// <summary>Cookie reply, whitepaper §5.4.7 (64 bytes).</summary>
    CookieReply = 3,

    /// <summary>Transport data, whitepaper §5.4.6 (16-byte header + ciphertext, at least 32 bytes).</summary>
    TransportData = 4,
}
