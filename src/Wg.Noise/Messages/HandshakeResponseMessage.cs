// View over the 92-byte handshake response message (whitepaper §5.4.3); all integers little-endian.
using System.Buffers.Binary;

namespace WgSharp.Noise.Messages;

/// <summary>
/// <c>type(1) reserved(3) | sender(4) | receiver(4) | unencrypted_ephemeral(32) | encrypted_nothing(0+16) |
/// mac1(16) | mac2(16)</c>. The view spans exactly <see cref="Size"/> bytes.
/// </summary>
internal readonly ref struct HandshakeResponseMessage
{
    public const int Size = 92;
    public const int SenderIndexOffset = 4;
    public const int ReceiverIndexOffset = 8;
    public const int UnencryptedEphemeralOffset = 12;
    public const int EncryptedNothingOffset = 44;
    public const int Mac1Offset = 60;
    public const int Mac2Offset = 76;

    private const int EphemeralLength = 32;
    private const int EncryptedNothingLength = 0 + 16;
    private const int MacLength = 16;

    private HandshakeResponseMessage(Span<byte> message) => Bytes = message;

    /// <summary>The whole message, <see cref="Size"/> bytes.</summary>
    public Span<byte> Bytes { get; }

    public uint SenderIndex
    {
        get => BinaryPrimitives.ReadUInt32LittleEndian(Bytes[SenderIndexOffset..]);
        set => BinaryPrimitives.WriteUInt32LittleEndian(Bytes[SenderIndexOffset..], value);
    }

    public uint ReceiverIndex
    {
        get => BinaryPrimitives.ReadUInt32LittleEndian(Bytes[ReceiverIndexOffset..]);
        set => BinaryPrimitives.WriteUInt32LittleEndian(Bytes[ReceiverIndexOffset..], value);
    }

    public Span<byte> UnencryptedEphemeral => Bytes.Slice(UnencryptedEphemeralOffset, EphemeralLength);

    public Span<byte> EncryptedNothing => Bytes.Slice(EncryptedNothingOffset, EncryptedNothingLength);

    public Span<byte> Mac1 => Bytes.Slice(Mac1Offset, MacLength);

    public Span<byte> Mac2 => Bytes.Slice(Mac2Offset, MacLength);

    /// <summary>The bytes mac1 authenticates: everything before mac1 (whitepaper §5.4.4).</summary>
    public Span<byte> MacedBytesForMac1 => Bytes[..Mac1Offset];

    /// <summary>The bytes mac2 authenticates: everything before mac2, mac1 included (whitepaper §5.4.4).</summary>
    public Span<byte> MacedBytesForMac2 => Bytes[..Mac2Offset];

    /// <summary>Views <paramref name="datagram"/> if it is a well-formed response (type, reserved bytes, exact size).</summary>
    public static bool TryRead(Span<byte> datagram, out HandshakeResponseMessage message)
    {
        if (!MessageParser.TryGetType(datagram, out var type) || type != MessageType.HandshakeResponse)
        {
            message = default;
            return false;
        }

        message = new HandshakeResponseMessage(datagram);
        return true;
    }

    /// <summary>
    /// Zeroes the first <see cref="Size"/> bytes of <paramref name="buffer"/> (so an unused mac2 is all zeros),
    /// writes the type and reserved bytes, and returns a view over them. Throws if the buffer is too small.
    /// </summary>
    public static HandshakeResponseMessage Create(Span<byte> buffer)
    {
        if (buffer.Length < Size)
        {
            MessageErrors.BufferTooSmall(nameof(buffer), Size, buffer.Length);
        }

        var message = buffer[..Size];
        message.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)MessageType.HandshakeResponse);
        return new HandshakeResponseMessage(message);
    }
}
