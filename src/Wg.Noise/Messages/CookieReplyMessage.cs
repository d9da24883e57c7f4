// View over the 64-byte cookie reply message (whitepaper §5.4.7); all integers little-endian.
using System.Buffers.Binary;

namespace WgSharp.Noise.Messages;

/// <summary>
/// <c>type(1) reserved(3) | receiver(4) | nonce(24) | encrypted_cookie(16+16)</c>. The view spans exactly
/// <see cref="Size"/> bytes. It carries no macs: it is authenticated by its XChaCha20-Poly1305 tag.
/// </summary>
internal readonly ref struct CookieReplyMessage
{
    public const int Size = 64;
    public const int ReceiverIndexOffset = 4;
    public const int NonceOffset = 8;
    public const int EncryptedCookieOffset = 32;

    private const int NonceLength = 24;
    private const int EncryptedCookieLength = 16 + 16;

    private CookieReplyMessage(Span<byte> message) => Bytes = message;

    /// <summary>The whole message, <see cref="Size"/> bytes.</summary>
    public Span<byte> Bytes { get; }

    public uint ReceiverIndex
    {
        get => BinaryPrimitives.ReadUInt32LittleEndian(Bytes[ReceiverIndexOffset..]);
        set => BinaryPrimitives.WriteUInt32LittleEndian(Bytes[ReceiverIndexOffset..], value);
    }

    public Span<byte> Nonce => Bytes.Slice(NonceOffset, NonceLength);

    public Span<byte> EncryptedCookie => Bytes.Slice(EncryptedCookieOffset, EncryptedCookieLength);

    /// <summary>Views <paramref name="datagram"/> if it is a well-formed cookie reply (type, reserved bytes, exact size).</summary>
    public static bool TryRead(Span<byte> datagram, out CookieReplyMessage message)
    {
        if (!MessageParser.TryGetType(datagram, out var type) || type != MessageType.CookieReply)
        {
            message = default;
            return false;
        }

        message = new CookieReplyMessage(datagram);
        return true;
    }

    /// <summary>
    /// Zeroes the first <see cref="Size"/> bytes of <paramref name="buffer"/>, writes the type and reserved
    /// bytes, and returns a view over them. Throws if the buffer is too small.
    /// </summary>
    public static CookieReplyMessage Create(Span<byte> buffer)
    {
        if (buffer.Length < Size)
        {
            MessageErrors.BufferTooSmall(nameof(buffer), Size, buffer.Length);
        }

        var message = buffer[..Size];
        message.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(message, (uint)MessageType.CookieReply);
        return new CookieReplyMessage(message);
    }
}
