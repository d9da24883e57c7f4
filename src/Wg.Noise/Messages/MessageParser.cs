// First look at a received datagram: which WireGuard message it claims to be, with the size rules of whitepaper §5.4.
using System.Buffers.Binary;

namespace WgSharp.Noise.Messages;

internal static class MessageParser
{
    /// <summary>
    /// Classifies <paramref name="datagram"/>. Returns false (never throws) unless it is at least 4 bytes long,
    /// its reserved bytes 1..3 are zero, its type is known, and its length is exact for the three handshake
    /// messages (148, 92, 64) or at least <see cref="TransportDataMessage.MinimumSize"/> for transport data.
    /// </summary>
    public static bool TryGetType(ReadOnlySpan<byte> datagram, out MessageType type)
    {
        type = default;
        if (datagram.Length < 4)
        {
            return false;
        }

        // Type byte plus three reserved bytes read as one little-endian word: any nonzero reserved byte
        // pushes the value above 255 and so outside the known types.
        var word = BinaryPrimitives.ReadUInt32LittleEndian(datagram);
        var sizeOk = word switch
        {
            (uint)MessageType.HandshakeInitiation => datagram.Length == HandshakeInitiationMessage.Size,
            (uint)MessageType.HandshakeResponse => datagram.Length == HandshakeResponseMessage.Size,
            (uint)MessageType.CookieReply => datagram.Length == CookieReplyMessage.Size,
            (uint)MessageType.TransportData => datagram.Length >= TransportDataMessage.MinimumSize,
            _ => false,
        };
        if (!sizeOk)
        {
            return false;
        }

        type = (MessageType)word;
        return true;
    }
}
