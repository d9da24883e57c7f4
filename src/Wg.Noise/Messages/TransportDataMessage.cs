// View over a transport data message (whitepaper §5.4.6): a 16-byte header, then the AEAD ciphertext and its tag.
using System.Buffers.Binary;

namespace WgSharp.Noise.Messages;

/// <summary>
/// <c>type(1) reserved(3) | receiver(4) | counter(8) | encrypted_encapsulated_packet(n+16)</c>. Unlike the
/// handshake views this one spans the whole datagram, whose length varies; the smallest is a keepalive
/// (empty plaintext, only the 16-byte Poly1305 tag) of <see cref="MinimumSize"/> bytes.
/// </summary>
internal readonly ref struct TransportDataMessage
{
    public const int HeaderSize = 16;
    public const int ReceiverIndexOffset = 4;
    public const int CounterOffset = 8;

    /// <summary>Header plus the 16-byte authentication tag of an empty plaintext (a keepalive).</summary>
    public const int MinimumSize = HeaderSize + TagLength;

    private const int TagLength = 16;

    private TransportDataMessage(Span<byte> message) => Bytes = message;

    /// <summary>The whole message: header and ciphertext.</summary>
    public Span<byte> Bytes { get; }

    public uint ReceiverIndex
    {
        get => BinaryPrimitives.ReadUInt32LittleEndian(Bytes[ReceiverIndexOffset..]);
        set => BinaryPrimitives.WriteUInt32LittleEndian(Bytes[ReceiverIndexOffset..], value);
    }

    /// <summary>The 64-bit nonce counter, also the replay-window input (whitepaper §5.4.6).</summary>
    public ulong Counter
    {
        get => BinaryPrimitives.ReadUInt64LittleEndian(Bytes[CounterOffset..]);
        set => BinaryPrimitives.WriteUInt64LittleEndian(Bytes[CounterOffset..], value);
    }

    /// <summary>The first <see cref="HeaderSize"/> bytes.</summary>
    public Span<byte> Header => Bytes[..HeaderSize];

    /// <summary>Everything after the header: the encrypted packet followed by its 16-byte tag.</summary>
    public Span<byte> Ciphertext => Bytes[HeaderSize..];

    /// <summary>Views <paramref name="datagram"/> if it is a transport message (type, reserved bytes, at least <see cref="MinimumSize"/>).</summary>
    public static bool TryRead(Span<byte> datagram, out TransportDataMessage message)
    {
        if (!MessageParser.TryGetType(datagram, out var type) || type != MessageType.TransportData)
        {
            message = default;
            return false;
        }

        message = new TransportDataMessage(datagram);
        return true;
    }

    /// <summary>
    /// Writes only the type and reserved bytes of the header and returns a view over all of
    /// <paramref name="buffer"/>: the bytes after the header are left alone, because the plaintext is already
    /// there to be encrypted in place (caller-owned buffers, no copy). Throws if the buffer is smaller than
    /// <see cref="MinimumSize"/>.
    /// </summary>
    public static TransportDataMessage Create(Span<byte> buffer)
    {
        if (buffer.Length < MinimumSize)
        {
            MessageErrors.BufferTooSmall(nameof(buffer), MinimumSize, buffer.Length);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(buffer, (uint)MessageType.TransportData);
        return new TransportDataMessage(buffer);
    }
}
