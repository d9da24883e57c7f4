// An allocation-free view of an IPv4 packet (RFC 791 3.1) over a caller's buffer: validated lengths,
// big-endian field access, and checksum-preserving rewrites for NAT.
using System.Buffers.Binary;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Packets;

/// <summary>
/// A validated IPv4 packet. <see cref="Packet"/> is trimmed to the Total Length field, so trailing
/// bytes a TUN read may carry are excluded; options are skipped via IHL.
/// </summary>
internal readonly ref struct Ipv4Header
{
    public const int MinLength = 20;

    private readonly Span<byte> _packet;

    private Ipv4Header(Span<byte> packet) => _packet = packet;

    /// <summary>
    /// Validates version 4, 20 ≤ IHL·4 ≤ Total Length ≤ buffer length; trims the view to Total Length.
    /// Never throws; the header checksum is not checked here (see <see cref="IsHeaderChecksumValid"/>).
    /// </summary>
    public static bool TryParse(Span<byte> buffer, out Ipv4Header header)
    {
        header = default;
        if (buffer.Length < MinLength || (buffer[0] >> 4) != 4)
        {
            return false;
        }
        int headerLength = (buffer[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (headerLength < MinLength || totalLength < headerLength || totalLength > buffer.Length)
        {
            return false;
        }
        header = new Ipv4Header(buffer[..totalLength]);
        return true;
    }

    /// <summary>
    /// Like <see cref="TryParse"/> but for the packet quoted inside an ICMP error, which is usually cut
    /// short: the header (with options) must be complete, and Total Length may exceed the buffer (it
    /// must still cover the header). The view is trimmed to whichever is smaller.
    /// </summary>
    public static bool TryParseTruncated(Span<byte> buffer, out Ipv4Header header)
    {
        header = default;
        if (buffer.Length < MinLength || (buffer[0] >> 4) != 4)
        {
            return false;
        }
        int headerLength = (buffer[0] & 0x0F) * 4;
        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(buffer[2..]);
        if (headerLength < MinLength || headerLength > buffer.Length || totalLength < headerLength)
        {
            return false;
        }
        header = new Ipv4Header(buffer[..Math.Min(totalLength, buffer.Length)]);
        return true;
    }

    /// <summary>The packet, trimmed to Total Length (or to the buffer for a truncated view).</summary>
    public Span<byte> Packet => _packet;

    /// <summary>True when Total Length says more bytes than the view holds (only after <see cref="TryParseTruncated"/>).</summary>
    public bool IsTruncated => TotalLength > _packet.Length;

    /// <summary>Internet Header Length in 32-bit words (5..15).</summary>
    public int Ihl => _packet[0] & 0x0F;

    public int HeaderLength => Ihl * 4;

    public Span<byte> Header => _packet[..HeaderLength];

    /// <summary>Options between the fixed 20-byte header and the payload (empty when IHL = 5).</summary>
    public Span<byte> Options => _packet[MinLength..HeaderLength];

    /// <summary>Bytes after the header up to Total Length.</summary>
    public Span<byte> Payload => _packet[HeaderLength..];

    /// <summary>Type of Service / DSCP+ECN byte (RFC 2474, RFC 3168).</summary>
    public byte TypeOfService => _packet[1];

    public int TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_packet[2..]);

    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_packet[4..]);

    public bool DontFragment => (_packet[6] & 0x40) != 0;

    public bool MoreFragments => (_packet[6] & 0x20) != 0;

    /// <summary>Fragment offset in bytes (the 13-bit field times 8).</summary>
    public int FragmentOffset => (BinaryPrimitives.ReadUInt16BigEndian(_packet[6..]) & 0x1FFF) * 8;

    /// <summary>True for any fragment (first, middle or last).</summary>
    public bool IsFragment => MoreFragments || FragmentOffset != 0;

    /// <summary>True when the upper-layer header is in this packet (not a fragment, or the first one).</summary>
    public bool HasTransportHeader => FragmentOffset == 0;

    /// <summary>Time to Live; the setter does not touch the checksum (see <see cref="TryDecrementTtl"/>).</summary>
    public byte Ttl
    {
        get => _packet[8];
        set => _packet[8] = value;
    }

    public byte Protocol => _packet[9];

    public ushort HeaderChecksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_packet[10..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_packet[10..], value);
    }

    /// <summary>The 4 source address bytes, in place.</summary>
    public Span<byte> Source => _packet.Slice(12, 4);

    /// <summary>The 4 destination address bytes, in place.</summary>
    public Span<byte> Destination => _packet.Slice(16, 4);

    public IpAddressKey SourceAddress => IpAddressKey.FromV4(BinaryPrimitives.ReadUInt32BigEndian(_packet[12..]));

    public IpAddressKey DestinationAddress => IpAddressKey.FromV4(BinaryPrimitives.ReadUInt32BigEndian(_packet[16..]));

    /// <summary>True when the header checksum verifies (RFC 791 3.1, RFC 1071).</summary>
    public bool IsHeaderChecksumValid => Checksum.Verify(Header);

    /// <summary>Recomputes the header checksum from scratch.</summary>
    public void UpdateHeaderChecksum()
    {
        HeaderChecksum = 0;
        HeaderChecksum = Checksum.Compute(Header);
    }

    /// <summary>Replaces the source address, updating the header checksum incrementally (RFC 1624).
    /// The transport checksum's pseudo header is the caller's to update.</summary>
    public void RewriteSource(ReadOnlySpan<byte> address) => RewriteAddress(Source, address);

    /// <summary>Replaces the destination address, updating the header checksum incrementally (RFC 1624).</summary>
    public void RewriteDestination(ReadOnlySpan<byte> address) => RewriteAddress(Destination, address);

    /// <summary>Decrements TTL with an incremental checksum update (RFC 1812 5.3.1); false when TTL ≤ 1 (the packet must be dropped).</summary>
    public bool TryDecrementTtl()
    {
        byte ttl = Ttl;
        if (ttl <= 1)
        {
            return false;
        }
        ushort oldWord = BinaryPrimitives.ReadUInt16BigEndian(_packet[8..]);
        Ttl = (byte)(ttl - 1);
        HeaderChecksum = Checksum.Update(HeaderChecksum, oldWord, BinaryPrimitives.ReadUInt16BigEndian(_packet[8..]));
        return true;
    }

    private void RewriteAddress(Span<byte> field, ReadOnlySpan<byte> address)
    {
        if (address.Length != 4)
        {
            PacketThrowHelper.ThrowAddressLength(nameof(address));
        }
        HeaderChecksum = Checksum.UpdateAddress(HeaderChecksum, field, address);
        address.CopyTo(field);
    }
}
