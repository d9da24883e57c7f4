// Classifies a datagram by its first byte, the message type (whitepaper §5.4), without authenticating
// anything: a device uses it to send handshake messages to their own queue and transport data to the
// parallel path. The engine still checks every field (sizes, reserved bytes, MACs) when it receives.
namespace WgSharp.Noise.Messages;

/// <summary>Message types and sizes as a device needs them.</summary>
public static class MessageClassifier
{
    /// <summary>The largest handshake message (an initiation, 148 bytes): what a handshake queue entry must hold.</summary>
    public const int MaxHandshakeSize = HandshakeInitiationMessage.Size;

    /// <summary>A transport message with an empty payload: a keepalive (§6.5), 32 bytes.</summary>
    public const int KeepaliveSize = TransportDataMessage.MinimumSize;

    /// <summary>
    /// The kind of <paramref name="datagram"/> by its type byte; <see cref="MessageKind.Unknown"/> when it is shorter
    /// than the 4-byte type field or the type is not one of WireGuard's four.
    /// </summary>
    public static MessageKind Classify(ReadOnlySpan<byte> datagram) => datagram.Length < 4 ? MessageKind.Unknown : datagram[0] switch
    {
        (byte)MessageType.HandshakeInitiation => MessageKind.HandshakeInitiation,
        (byte)MessageType.HandshakeResponse => MessageKind.HandshakeResponse,
        (byte)MessageType.CookieReply => MessageKind.CookieReply,
        (byte)MessageType.TransportData => MessageKind.TransportData,
        _ => MessageKind.Unknown,
    };

    /// <summary>Whether <paramref name="kind"/> goes to the handshake path (initiation, response or cookie reply).</summary>
    public static bool IsHandshake(MessageKind kind) => kind is MessageKind.HandshakeInitiation or MessageKind.HandshakeResponse or MessageKind.CookieReply;

    /// <summary>Whether a datagram the engine produced is a keepalive (transport data with no payload).</summary>
    public static bool IsKeepalive(ReadOnlySpan<byte> datagram) =>
        datagram.Length == KeepaliveSize && Classify(datagram) == MessageKind.TransportData;

    /// <summary>The message's name in log lines.</summary>
    public static string Name(MessageKind kind) => kind switch
    {
        MessageKind.HandshakeInitiation => "handshake initiation",
        MessageKind.HandshakeResponse => "handshake response",
        MessageKind.CookieReply => "cookie reply",
        _ => "message",
    };
}
