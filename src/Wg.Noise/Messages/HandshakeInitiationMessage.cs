// View over the 148-byte handshake initiation message (whitepaper §5.4.2); all integers little-endian.
using System.Buffers.Binary;

namespace WgSharp.Noise.Messages;

/// <summary>
/// <c>type(1) reserved(3) | sender(4) | unencrypted_ephemeral(32) | encrypted_static(32+16) |
/// encrypted_timestamp(12+16) | mac1(16) | mac2(16)</c>. The view spans exactly <see cref="Size"/> bytes.
/// </summary>
internal readonly ref struct HandshakeInitiationMessage
{
    public const int Size = 148;
    public const int SenderIndexOffset = 4;
    public const int UnencryptedEphemeralOffset = 8;
    public const int EncryptedStaticOffset = 40;
    public const int EncryptedTimestampOffset = 88;
    public const int Mac1Offset = 116;
    public const int Mac2Offset = 132;

    private const int EphemeralLength = 32;
    private const int EncryptedStaticLength = 32 + 16;
    private const int EncryptedTimestampLength = 12 + 16;
    private const int MacLength = 16;

    private HandshakeInitiationMessage(Span<byte> message) => Bytes = message;

    /// <summary>The whole message, <see cref="Size"/> bytes.</summary>
    public Span<byte> Bytes { get; }

    public uint SenderIndex
    {
        get => BinaryPrimitives.ReadUInt32LittleEndian(Bytes[SenderIndexOffset..]);
        set => BinaryPrimitives.WriteUInt32LittleEndian(Bytes[SenderIndexOffset..], value);
    }

    public Span<byte> UnencryptedEphemeral => Bytes.Slice(UnencryptedEphemeralOffset, EphemeralLength);

    public Span<byte> EncryptedStatic => Bytes.Slice(EncryptedStaticOffset, EncryptedStaticLength);

    public Span<byte> EncryptedTimestamp => Bytes.Slice(EncryptedTimestampOffset, EncryptedTimestampLength);

    public Span<byte> Mac1 => Bytes.Slice(Mac1Offset, MacLength);

    public Span<byte> Mac2 => Bytes.Slice(Mac2Offset, MacLength);

    /// <summary>The bytes mac1 authenticates: everything before mac1 (whitepaper §5.4.4).</summary>
    public Span<byte> MacedBytesForMac1 => Bytes[..Mac1Offset];

    /// <summary>The bytes mac2 authenticates: everything before mac2, mac1 included (whitepaper §5.4.4).</summary>
    public Span<byte> MacedBytesForMac2 => Bytes[..Mac2Offset];

    /// <summary>Views <paramref name="datagram"/> if it is a well-formed initiation (type, reserved bytes, exact size).</summary>
    public static bool TryRead(Span<byte> datagram, out HandshakeInitiationMessage message)
    {
        if (!MessageParser.TryGetType(datagram, out var type) || type != MessageType.HandshakeInitiation)
        {
            message = default;
            return false;
        }

        message = new HandshakeInitiationMessage(datagram);
        return true;
    }

    /// <summary>
    /// Zeroes the first <see cref="Size"/> bytes of <paramref name="buffer"/> (so an unused mac2 is all zeros),
    /// writes the type and reserved bytes, and returns a view over them. Throws if the buffer is too small.
    /// </summary>
    public static HandshakeInitiationMessage Create(Span<byte> buffer)
    {
        if (buffer.Length < Size)
        {
            MessageErrors.BufferTooSmall(nameof(buffer), Size, buffer.Length);
        }

        var message = buffer[..Size];
        message.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)MessageType.HandshakeInitiation);
        return new HandshakeInitiationMessage(message);
    }
}
