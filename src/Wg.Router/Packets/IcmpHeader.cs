// An allocation-free view of an ICMPv4 (RFC 792) or ICMPv6 (RFC 4443) message: type/code/checksum,
// echo identifier/sequence, the MTU of "too big" errors, and the original packet an error quotes.
using System.Buffers.Binary;

namespace WgSharp.Router.Packets;

internal readonly ref struct IcmpHeader
{
    /// <summary>Type, code, checksum and the 4-byte rest-of-header.</summary>
    public const int Length = 8;

    private readonly Span<byte> _message;
    private readonly bool _isV6;

    private IcmpHeader(Span<byte> message, bool isV6)
    {
        _message = message;
        _isV6 = isV6;
    }

    /// <summary>An ICMPv4 message: the IPv4 payload (at least 8 bytes). Never throws.</summary>
    public static bool TryParseV4(Span<byte> message, out IcmpHeader header) => TryParse(message, false, out header);

    /// <summary>An ICMPv6 message: the bytes after the IPv6 extension headers (at least 8). Never throws.</summary>
    public static bool TryParseV6(Span<byte> message, out IcmpHeader header) => TryParse(message, true, out header);

    private static bool TryParse(Span<byte> message, bool isV6, out IcmpHeader header)
    {
        if (message.Length < Length)
        {
            header = default;
            return false;
        }
        header = new IcmpHeader(message, isV6);
        return true;
    }

    public bool IsV6 => _isV6;

    /// <summary>The whole message, as the checksum covers it.</summary>
    public Span<byte> Message => _message;

    public byte Type => _message[0];

    public byte Code => _message[1];

    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[2..], value);
    }

    /// <summary>Bytes 4..7, whose meaning depends on the type.</summary>
    public uint RestOfHeader => BinaryPrimitives.ReadUInt32BigEndian(_message[4..]);

    /// <summary>Everything after the 8-byte header.</summary>
    public Span<byte> Body => _message[Length..];

    /// <summary>An error message (ICMPv4 RFC 1812 4.3.2.3 list; ICMPv6 types below 128, RFC 4443 2.1).</summary>
    public bool IsError => _isV6 ? IcmpTypes.V6.IsError(Type) : IcmpTypes.V4.IsError(Type);

    public bool IsEchoRequest => Type == (_isV6 ? IcmpTypes.V6.EchoRequest : IcmpTypes.V4.EchoRequest);

    public bool IsEchoReply => Type == (_isV6 ? IcmpTypes.V6.EchoReply : IcmpTypes.V4.EchoReply);

    /// <summary>Echo request or reply: the messages that carry an identifier and sequence number.</summary>
    public bool IsEcho => IsEchoRequest || IsEchoReply;

    /// <summary>Echo identifier (bytes 4..5; RFC 792, RFC 4443 4.1). NAT rewrites it like a port.</summary>
    public ushort Identifier
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[4..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[4..], value);
    }

    /// <summary>Echo sequence number (bytes 6..7).</summary>
    public ushort SequenceNumber
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_message[6..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_message[6..], value);
    }

    /// <summary>
    /// The MTU a "too big" error reports: ICMPv4 Destination Unreachable / Fragmentation Needed
    /// (next-hop MTU in bytes 6..7, RFC 1191 4) or ICMPv6 Packet Too Big (bytes 4..7, RFC 4443 3.2).
    /// </summary>
    public bool TryGetMtu(out uint mtu)
    {
        if (_isV6 && Type == IcmpTypes.V6.PacketTooBig)
        {
            mtu = RestOfHeader;
            return true;
        }
        if (!_isV6 && Type == IcmpTypes.V4.DestinationUnreachable && Code == IcmpTypes.V4.CodeFragmentationNeeded)
        {
            mtu = BinaryPrimitives.ReadUInt16BigEndian(_message[6..]);
            return true;
        }
        mtu = 0;
        return false;
    }

    /// <summary>
    /// The (usually truncated) original packet an error message quotes, starting with its IP header;
    /// parse it with <see cref="Ipv4Header.TryParseTruncated"/> / <see cref="Ipv6Header.TryParseTruncated"/>.
    /// Empty for non-error messages.
    /// </summary>
    public Span<byte> EmbeddedPacket => IsError ? Body : [];

    /// <summary>Sets the echo identifier and updates the checksum incrementally (RFC 1624).</summary>
    public void RewriteIdentifier(ushort identifier)
    {
        Checksum = Packets.Checksum.Update(Checksum, Identifier, identifier);
        Identifier = identifier;
    }

    /// <summary>Recomputes an ICMPv4 checksum (over the message only, RFC 792).</summary>
    public void UpdateChecksumV4()
    {
        Checksum = 0;
        Checksum = Packets.Checksum.Compute(_message);
    }

    /// <summary>Recomputes an ICMPv6 checksum (over the IPv6 pseudo header and the message, RFC 4443 2.3).</summary>
    public void UpdateChecksumV6(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination)
    {
        Checksum = 0;
        Checksum = Packets.Checksum.ComputeV6(_message, source, destination, IpProtocol.IcmpV6);
    }

    public bool IsChecksumValidV4 => Packets.Checksum.Verify(_message);

    public bool IsChecksumValidV6(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination) =>
        Packets.Checksum.VerifyV6(_message, source, destination, IpProtocol.IcmpV6);
}
