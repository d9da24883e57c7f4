// A super-packet read from a TUN with IFF_VNET_HDR, checked and described: how to cut it into MSS-sized
// segments with their own IP and TCP/UDP headers, as the kernel's tcp_gso_segment/__udp_gso_segment would.
using System.Buffers.Binary;

namespace WgSharp.Tun.Offload;

/// <summary>
/// The layout of one packet as the TUN handed it over: plain (one segment, possibly with its checksum still to
/// complete) or a TCP/UDP super-packet of <see cref="SegmentCount"/> segments. <see cref="TryParse"/> accepts only
/// what it can cut correctly; <see cref="WriteSegment"/> writes segment k with correct lengths, IPv4 identification
/// and header checksum, TCP sequence number and flags, and a complete transport checksum.
/// </summary>
internal readonly struct GsoPacket
{
    private const int TcpFlagsOffset = 13;
    private const byte TcpFin = 0x01;
    private const byte TcpPsh = 0x08;
    private const byte TcpCwr = 0x80;

    private GsoPacket(int length, bool isIPv6, byte protocol, int ipHeaderLength, int headerLength, int gsoSize,
        int segmentCount, bool needsChecksum, int checksumStart, int checksumOffset)
    {
        Length = length;
        IsIPv6 = isIPv6;
        Protocol = protocol;
        IpHeaderLength = ipHeaderLength;
        HeaderLength = headerLength;
        GsoSize = gsoSize;
        SegmentCount = segmentCount;
        NeedsChecksum = needsChecksum;
        ChecksumStart = checksumStart;
        ChecksumOffset = checksumOffset;
    }

    /// <summary>Bytes of the packet (without the virtio header).</summary>
    public int Length { get; }

    public bool IsIPv6 { get; }

    /// <summary>6 (TCP) or 17 (UDP) for a super-packet; 0 for a plain packet.</summary>
    public byte Protocol { get; }

    /// <summary>IP header bytes, extension headers included (= the transport header's offset).</summary>
    public int IpHeaderLength { get; }

    /// <summary>IP + transport header bytes copied in front of every segment.</summary>
    public int HeaderLength { get; }

    /// <summary>Payload bytes per segment (the last may carry fewer).</summary>
    public int GsoSize { get; }

    public int SegmentCount { get; }

    public bool IsSuperPacket => Protocol != 0;

    /// <summary>Plain packet only: the checksum at ChecksumStart + ChecksumOffset is partial and must be completed.</summary>
    public bool NeedsChecksum { get; }

    public int ChecksumStart { get; }

    public int ChecksumOffset { get; }

    /// <summary>
    /// Checks a virtio header against the packet behind it. False for anything that cannot be cut or completed
    /// safely (unknown GSO type, inconsistent offsets, truncated headers): the caller drops the packet.
    /// </summary>
    public static bool TryParse(in VirtioNetHeader header, ReadOnlySpan<byte> packet, out GsoPacket parsed)
    {
        parsed = default;
        if (packet.IsEmpty)
        {
            return false;
        }
        int version = packet[0] >> 4;
        bool needsChecksum = (header.Flags & VirtioNetHeader.FlagNeedsChecksum) != 0;
        int gsoType = header.GsoType & ~VirtioNetHeader.GsoEcn;
        int start = header.ChecksumStart;
        int offset = header.ChecksumOffset;

        if (gsoType == VirtioNetHeader.GsoNone)
        {
            if (needsChecksum && start + offset + 2 > packet.Length)
            {
                return false;
            }
            parsed = new GsoPacket(packet.Length, version == 6, 0, 0, 0, 0, 1, needsChecksum, start, offset);
            return true;
        }

        // A super-packet always comes with a partial checksum starting at the transport header.
        byte protocol;
        switch (gsoType)
        {
            case VirtioNetHeader.GsoTcpV4 when version == 4:
            case VirtioNetHeader.GsoTcpV6 when version == 6:
                protocol = 6;
                if (offset != 16)
                {
                    return false;
                }
                break;
            case VirtioNetHeader.GsoUdpL4 when version is 4 or 6:
                protocol = 17;
                if (offset != 6)
                {
                    return false;
                }
                break;
            default:
                return false;
        }
        if (!needsChecksum || header.GsoSize == 0)
        {
            return false;
        }

        int minimumIpHeader = version == 4 ? 20 : 40;
        if (start < minimumIpHeader || (version == 4 && start != (packet[0] & 0x0F) * 4))
        {
            return false;
        }
        // hdr_len is not trusted (on the forwarding path it can cover the whole first segment, as wireguard-go
        // notes): the transport header's own length decides.
        int transportHeaderLength;
        if (protocol == 6)
        {
            if (packet.Length < start + 20)
            {
                return false;
            }
            transportHeaderLength = (packet[start + 12] >> 4) * 4;
            if (transportHeaderLength < 20)
            {
                return false;
            }
        }
        else
        {
            transportHeaderLength = 8;
        }
        int headerLength = start + transportHeaderLength;
        if (packet.Length <= headerLength)
        {
            return false;
        }
        // The IP header must name the protocol the GSO type cuts by, or every segment would carry a checksum
        // over the wrong pseudo-header (with IPv6 extension headers the last one names it; not walked here).
        if (version == 4 ? packet[9] != protocol : start == minimumIpHeader && packet[6] != protocol)
        {
            return false;
        }
        int payload = packet.Length - headerLength;
        int segments = (payload + header.GsoSize - 1) / header.GsoSize;
        parsed = new GsoPacket(packet.Length, version == 6, protocol, start, headerLength, header.GsoSize, segments,
            needsChecksum: true, start, offset);
        return true;
    }

    /// <summary>Bytes of segment <paramref name="index"/> once written.</summary>
    public int SegmentLength(int index)
    {
        if (!IsSuperPacket)
        {
            return Length;
        }
        int payloadStart = HeaderLength + index * GsoSize;
        return HeaderLength + Math.Min(GsoSize, Length - payloadStart);
    }

    /// <summary>
    /// Writes segment <paramref name="index"/> of <paramref name="packet"/> (the bytes this was parsed from) into
    /// <paramref name="destination"/>, which must hold <see cref="SegmentLength"/> bytes. Returns that length.
    /// A plain packet is copied and its partial checksum completed.
    /// </summary>
    public int WriteSegment(ReadOnlySpan<byte> packet, int index, Span<byte> destination)
    {
        if (!IsSuperPacket)
        {
            Span<byte> copy = destination[..Length];
            packet[..Length].CopyTo(copy);
            if (NeedsChecksum)
            {
                CompleteChecksum(copy, ChecksumStart, ChecksumOffset);
            }
            return Length;
        }

        int payloadStart = HeaderLength + index * GsoSize;
        int payloadLength = Math.Min(GsoSize, Length - payloadStart);
        int total = HeaderLength + payloadLength;
        Span<byte> segment = destination[..total];
        packet[..HeaderLength].CopyTo(segment);
        packet.Slice(payloadStart, payloadLength).CopyTo(segment[HeaderLength..]);

        if (IsIPv6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(segment[4..], (ushort)(total - 40));
        }
        else
        {
            // Each segment is its own datagram: ids count up from the super-packet's (tcp_gso_segment does the same).
            ushort id = BinaryPrimitives.ReadUInt16BigEndian(packet[4..]);
            BinaryPrimitives.WriteUInt16BigEndian(segment[4..], (ushort)(id + index));
            BinaryPrimitives.WriteUInt16BigEndian(segment[2..], (ushort)total);
            segment[10] = 0;
            segment[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(segment[10..], InternetChecksum.Finish(InternetChecksum.Sum(segment[..IpHeaderLength])));
        }

        Span<byte> transport = segment[IpHeaderLength..];
        if (Protocol == 6)
        {
            uint sequence = BinaryPrimitives.ReadUInt32BigEndian(packet[(IpHeaderLength + 4)..]);
            BinaryPrimitives.WriteUInt32BigEndian(transport[4..], sequence + (uint)(index * GsoSize));
            // FIN and PSH belong to the last segment only, CWR to the first only (tcp_gso_segment).
            if (index != SegmentCount - 1)
            {
                transport[TcpFlagsOffset] &= unchecked((byte)~(TcpFin | TcpPsh));
            }
            if (index != 0)
            {
                transport[TcpFlagsOffset] &= unchecked((byte)~TcpCwr);
            }
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(transport[4..], (ushort)(total - IpHeaderLength));
        }

        int checksumAt = ChecksumOffset;
        transport[checksumAt] = 0;
        transport[checksumAt + 1] = 0;
        uint pseudo = InternetChecksum.PseudoHeaderSum(segment, IsIPv6, Protocol, total - IpHeaderLength);
        ushort checksum = InternetChecksum.Finish(InternetChecksum.Sum(transport, pseudo));
        // A computed zero is sent as all ones (skb_checksum_help's CSUM_MANGLED_0; UDP's "no checksum" is zero).
        BinaryPrimitives.WriteUInt16BigEndian(transport[checksumAt..], checksum == 0 ? (ushort)0xFFFF : checksum);
        return total;
    }

    /// <summary>
    /// CHECKSUM_PARTIAL completed as skb_checksum_help does: the field holds the pseudo-header sum; the checksum
    /// over [start, end) with that value in place is stored complemented.
    /// </summary>
    public static void CompleteChecksum(Span<byte> packet, int start, int offset)
    {
        ushort checksum = InternetChecksum.Finish(InternetChecksum.Sum(packet[start..]));
        BinaryPrimitives.WriteUInt16BigEndian(packet[(start + offset)..], checksum == 0 ? (ushort)0xFFFF : checksum);
    }
}
