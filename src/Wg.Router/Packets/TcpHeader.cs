// An allocation-free view of a TCP segment (RFC 9293 3.1): fields, option iteration, MSS get/set,
// and checksum-preserving rewrites of ports and pseudo-header addresses for NAT.
using System.Buffers.Binary;

namespace WgSharp.Router.Packets;

internal readonly ref struct TcpHeader
{
    public const int MinLength = 20;

    private readonly Span<byte> _segment;

    private TcpHeader(Span<byte> segment) => _segment = segment;

    /// <summary>
    /// Validates 20 ≤ Data Offset·4 ≤ segment length. <paramref name="segment"/> is the IP payload
    /// (header and data, nothing after). Never throws.
    /// </summary>
    public static bool TryParse(Span<byte> segment, out TcpHeader header)
    {
        header = default;
        if (segment.Length < MinLength)
        {
            return false;
        }
        int headerLength = (segment[12] >> 4) * 4;
        if (headerLength < MinLength || headerLength > segment.Length)
        {
            return false;
        }
        header = new TcpHeader(segment);
        return true;
    }

    /// <summary>The whole segment (header and data), as the checksum covers it.</summary>
    public Span<byte> Segment => _segment;

    public ushort SourcePort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment, value);
    }

    public ushort DestinationPort
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment[2..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment[2..], value);
    }

    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_segment[4..]);

    public uint AcknowledgmentNumber => BinaryPrimitives.ReadUInt32BigEndian(_segment[8..]);

    /// <summary>Data Offset in 32-bit words (5..15).</summary>
    public int DataOffset => _segment[12] >> 4;

    public int HeaderLength => DataOffset * 4;

    public TcpFlags Flags => (TcpFlags)_segment[13];

    public bool IsSyn => (Flags & TcpFlags.Syn) != 0;

    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(_segment[14..]);

    public ushort Checksum
    {
        get => BinaryPrimitives.ReadUInt16BigEndian(_segment[16..]);
        set => BinaryPrimitives.WriteUInt16BigEndian(_segment[16..], value);
    }

    public ushort UrgentPointer => BinaryPrimitives.ReadUInt16BigEndian(_segment[18..]);

    public Span<byte> Header => _segment[..HeaderLength];

    public Span<byte> Options => _segment[MinLength..HeaderLength];

    public Span<byte> Payload => _segment[HeaderLength..];

    /// <summary>Iterates the options (No-Operation skipped); use with foreach.</summary>
    public TcpOptionEnumerator GetOptions() => new(Header);

    /// <summary>The Maximum Segment Size option's value, if the header carries a well-formed one (kind 2, length 4).</summary>
    public bool TryGetMss(out ushort mss)
    {
        foreach (TcpOption option in GetOptions())
        {
            if (option.Kind == TcpOption.KindMaximumSegmentSize && option.Data.Length == 2)
            {
                mss = BinaryPrimitives.ReadUInt16BigEndian(option.Data);
                return true;
            }
        }
        mss = 0;
        return false;
    }

    /// <summary>
    /// Rewrites the MSS option's value and updates the checksum incrementally (RFC 1624), correct even
    /// when the option sits at an odd offset. False when there is no well-formed MSS option.
    /// </summary>
    public bool TrySetMss(ushort mss)
    {
        foreach (TcpOption option in GetOptions())
        {
            if (option.Kind == TcpOption.KindMaximumSegmentSize && option.Data.Length == 2)
            {
                ushort old = BinaryPrimitives.ReadUInt16BigEndian(option.Data);
                BinaryPrimitives.WriteUInt16BigEndian(option.Data, mss);
                Checksum = Packets.Checksum.UpdateAt(Checksum, option.Offset + 2, old, mss);
                return true;
            }
        }
        return false;
    }

    /// <summary>Lowers the MSS option to <paramref name="maximum"/> when it is larger; true when it changed.</summary>
    public bool TryClampMss(ushort maximum) => TryGetMss(out ushort mss) && mss > maximum && TrySetMss(maximum);

    /// <summary>Sets the source port and updates the checksum incrementally (RFC 1624).</summary>
    public void RewriteSourcePort(ushort port)
    {
        Checksum = Packets.Checksum.UpdatePort(Checksum, SourcePort, port);
        SourcePort = port;
    }

    /// <summary>Sets the destination port and updates the checksum incrementally (RFC 1624).</summary>
    public void RewriteDestinationPort(ushort port)
    {
        Checksum = Packets.Checksum.UpdatePort(Checksum, DestinationPort, port);
        DestinationPort = port;
    }

    /// <summary>Adjusts the checksum for an IP address rewritten in the pseudo header (4 or 16 bytes).</summary>
    public void UpdateChecksumForAddressChange(ReadOnlySpan<byte> oldAddress, ReadOnlySpan<byte> newAddress) =>
        Checksum = Packets.Checksum.UpdateAddress(Checksum, oldAddress, newAddress);

    /// <summary>Recomputes the checksum over the IPv4 pseudo header and the segment.</summary>
    public void UpdateChecksumV4(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination)
    {
        Checksum = 0;
        Checksum = Packets.Checksum.ComputeV4(_segment, source, destination, IpProtocol.Tcp);
    }

    /// <summary>Recomputes the checksum over the IPv6 pseudo header and the segment.</summary>
    public void UpdateChecksumV6(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination)
    {
        Checksum = 0;
        Checksum = Packets.Checksum.ComputeV6(_segment, source, destination, IpProtocol.Tcp);
    }

    public bool IsChecksumValidV4(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination) =>
        Packets.Checksum.VerifyV4(_segment, source, destination, IpProtocol.Tcp);

    public bool IsChecksumValidV6(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination) =>
        Packets.Checksum.VerifyV6(_segment, source, destination, IpProtocol.Tcp);
}
