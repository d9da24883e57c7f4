// The write side of TUN offloads (software GRO): consecutive in-order TCP segments (and, with USO, UDP datagrams)
// of one flow in a batch become one super-packet with a virtio header, so the kernel stack handles one skb.
// Over 400 lines on purpose: the append rules, the header match and the checksum checks are one contract with the
// kernel's GRO and must be read together.
using System.Buffers.Binary;

namespace WgSharp.Tun.Offload;

/// <summary>
/// Coalesces a batch of IP packets in place before they are written to an IFF_VNET_HDR TUN. The rules follow the
/// kernel's GRO (tcp_gro_receive, udp_gro_receive_segment; tools/testing/selftests/net/gro.c) as wireguard-go's
/// tun/offload_linux.go applies them, restricted to appending:
/// <list type="bullet">
/// <item>TCP: only segments with payload whose flags are exactly ACK or ACK|PSH; IPv4 without options and not
/// fragmented, IPv6 without extension headers; same addresses, ports and acknowledgment number; sequence number
/// exactly following the coalesced payload; same TCP header length and option bytes; same TOS/DF/TTL (IPv4) or
/// version/class/flow label/hop limit (IPv6), IPv4 ids consecutive when DF is clear; all segments the size of
/// the first except a shorter last one; nothing after a PSH; at most 65535 bytes and what the head's buffer holds;
/// both checksums verified first, because the merged packet goes up as CHECKSUM_PARTIAL and is not verified again.</item>
/// <item>UDP (only when the TUN accepted USO): the same IP rules, equal-size datagrams with a shorter last one, at
/// most 64 (UDP_GRO_CNT_MAX), checksums verified (a zero IPv4 UDP checksum never merges).</item>
/// </list>
/// A packet that cannot join its flow's open super-packet closes it, so no packet of a flow is ever written after a
/// later one. Each flow has at most one open super-packet; packets of other flows may interleave.
/// Not thread-safe: TunDevice serialises Write.
/// </summary>
internal sealed class GroCoalescer
{
    /// <summary>UDP_GRO_CNT_MAX in net/ipv4/udp_offload.c.</summary>
    public const int MaxUdpSegments = 64;

    private const int TcpFlagsOffset = 13;
    private const byte TcpAck = 0x10;
    private const byte TcpPsh = 0x08;
    private const int MaxPacketLength = 65535;

    private GroItem[] _items = new GroItem[128];
    private int _itemCount;

    /// <summary>Super-packets built so far (diagnostics and tests).</summary>
    public long SuperPackets { get; private set; }

    /// <summary>Whether UDP datagrams are coalesced too (the TUN accepted TUN_F_USO4|TUN_F_USO6).</summary>
    public bool CoalesceUdp { get; set; }

    /// <summary>
    /// Coalesces <c>buffers[0..count)</c> (packet i is <c>sizes[i]</c> bytes at <paramref name="offset"/>) and writes
    /// each remaining packet's virtio header into the <see cref="VirtioNetHeader.Size"/> bytes before it.
    /// Fills <paramref name="order"/> with the indices of the packets to write, in order, and returns how many.
    /// Coalesced packets grow in their buffers (their sizes are updated); merged ones are left out of the order.
    /// </summary>
    public int Coalesce(byte[][] buffers, int[] sizes, int count, int offset, int[] order)
    {
        if (offset < VirtioNetHeader.Size)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(offset), "Coalescing needs room for a virtio header before each packet.");
        }
        if (_items.Length < count)
        {
            _items = new GroItem[count];
        }
        _itemCount = 0;
        int writes = 0;
        for (int i = 0; i < count; i++)
        {
            Span<byte> packet = buffers[i].AsSpan(offset, sizes[i]);
            FlowKind kind = Classify(packet, CoalesceUdp, out int ipHeaderLength, out int transportHeaderLength, out bool candidate);
            int open = kind == FlowKind.None ? -1 : FindOpen(buffers, offset, packet, kind, ipHeaderLength);
            if (candidate && open >= 0)
            {
                AppendResult result = kind is FlowKind.Tcp4 or FlowKind.Tcp6
                    ? TryAppendTcp(ref _items[open], buffers, offset, packet, transportHeaderLength)
                    : TryAppendUdp(ref _items[open], buffers, offset, packet);
                if (result == AppendResult.Appended)
                {
                    continue;
                }
                _items[open].Open = false;
                if (result == AppendResult.PacketInvalid)
                {
                    candidate = false; // written as it is: the kernel will find the bad checksum and drop it
                }
            }
            else if (open >= 0)
            {
                _items[open].Open = false; // a packet that cannot merge still ends its flow's run
            }

            if (candidate)
            {
                _items[_itemCount++] = new GroItem(i, kind, ipHeaderLength, transportHeaderLength, packet);
            }
            VirtioNetHeader.WriteNone(buffers[i].AsSpan(offset - VirtioNetHeader.Size));
            order[writes++] = i;
        }

        for (int k = 0; k < _itemCount; k++)
        {
            ref GroItem item = ref _items[k];
            if (item.Segments > 1)
            {
                SuperPackets++;
                sizes[item.Head] = item.Length;
                Finish(in item, buffers[item.Head].AsSpan(offset - VirtioNetHeader.Size, VirtioNetHeader.Size + item.Length));
            }
        }
        return writes;
    }

    /// <summary>
    /// The flow a packet belongs to (TCP or UDP over IPv4 without options or IPv6 without extension headers), and
    /// whether it is a coalescing candidate. Unparseable or other packets are <see cref="FlowKind.None"/>.
    /// </summary>
    internal static FlowKind Classify(ReadOnlySpan<byte> packet, bool udp, out int ipHeaderLength,
        out int transportHeaderLength, out bool candidate)
    {
        ipHeaderLength = 0;
        transportHeaderLength = 0;
        candidate = false;
        if (packet.Length < 20)
        {
            return FlowKind.None;
        }
        FlowKind kind;
        int version = packet[0] >> 4;
        byte protocol;
        bool fragment = false;
        if (version == 4)
        {
            if ((packet[0] & 0x0F) != 5 || BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) != packet.Length)
            {
                return FlowKind.None;
            }
            ipHeaderLength = 20;
            protocol = packet[9];
            // More-fragments set or a fragment offset: only a whole datagram can merge.
            fragment = (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x3FFF) != 0;
            kind = protocol == 6 ? FlowKind.Tcp4 : protocol == 17 ? FlowKind.Udp4 : FlowKind.None;
        }
        else if (version == 6)
        {
            if (packet.Length < 40 || BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) != packet.Length - 40)
            {
                return FlowKind.None;
            }
            ipHeaderLength = 40;
            protocol = packet[6];
            kind = protocol == 6 ? FlowKind.Tcp6 : protocol == 17 ? FlowKind.Udp6 : FlowKind.None;
        }
        else
        {
            return FlowKind.None;
        }
        if (kind == FlowKind.None || packet.Length < ipHeaderLength + 8)
        {
            return FlowKind.None;
        }

        ReadOnlySpan<byte> transport = packet[ipHeaderLength..];
        if (kind is FlowKind.Tcp4 or FlowKind.Tcp6)
        {
            if (transport.Length < 20)
            {
                return kind;
            }
            transportHeaderLength = (transport[12] >> 4) * 4;
            byte flags = transport[TcpFlagsOffset];
            candidate = !fragment && transportHeaderLength >= 20 && transport.Length > transportHeaderLength
                && (flags == TcpAck || flags == (TcpAck | TcpPsh));
        }
        else
        {
            transportHeaderLength = 8;
            candidate = udp && !fragment && transport.Length > 8
                && BinaryPrimitives.ReadUInt16BigEndian(transport[4..]) == transport.Length;
        }
        return kind;
    }

    private int FindOpen(byte[][] buffers, int offset, ReadOnlySpan<byte> packet, FlowKind kind, int ipHeaderLength)
    {
        for (int k = _itemCount - 1; k >= 0; k--)
        {
            ref GroItem item = ref _items[k];
            if (!item.Open || item.Kind != kind)
            {
                continue;
            }
            ReadOnlySpan<byte> head = buffers[item.Head].AsSpan(offset, item.IpHeaderLength + 4);
            bool v6 = kind is FlowKind.Tcp6 or FlowKind.Udp6;
            ReadOnlySpan<byte> addresses = v6 ? packet.Slice(8, 32) : packet.Slice(12, 8);
            ReadOnlySpan<byte> headAddresses = v6 ? head.Slice(8, 32) : head.Slice(12, 8);
            if (addresses.SequenceEqual(headAddresses)
                && packet.Slice(ipHeaderLength, 4).SequenceEqual(head.Slice(item.IpHeaderLength, 4)))
            {
                return k;
            }
        }
        return -1;
    }

    private static AppendResult TryAppendTcp(ref GroItem item, byte[][] buffers, int offset, ReadOnlySpan<byte> packet,
        int transportHeaderLength)
    {
        int ipHeaderLength = item.IpHeaderLength;
        int payload = packet.Length - ipHeaderLength - transportHeaderLength;
        byte[] headBuffer = buffers[item.Head];
        Span<byte> head = headBuffer.AsSpan(offset, item.Length);
        ReadOnlySpan<byte> tcp = packet[ipHeaderLength..];
        ReadOnlySpan<byte> headTcp = head[ipHeaderLength..];
        if (item.EndsRun || payload > item.GsoSize || transportHeaderLength != item.TransportHeaderLength
            || BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]) != item.NextSequence
            || !tcp.Slice(8, 4).SequenceEqual(headTcp.Slice(8, 4)) // acknowledgment number
            // Data offset with the reserved bits, and the window: tcp_gro_receive flushes on any difference in
            // tcp_flag_word but CWR/FIN/PSH, and a merged packet would carry the head's window for every segment.
            || tcp[12] != headTcp[12] || !tcp.Slice(14, 2).SequenceEqual(headTcp.Slice(14, 2))
            || !tcp[20..transportHeaderLength].SequenceEqual(headTcp[20..transportHeaderLength]) // options
            || !IpHeadersMatch(ref item, head, packet)
            || item.Length + payload > Math.Min(MaxPacketLength, headBuffer.Length - offset))
        {
            return AppendResult.CannotAppend;
        }
        AppendResult checksums = VerifyChecksums(ref item, head, packet, 6);
        if (checksums != AppendResult.Appended)
        {
            return checksums;
        }

        packet[(ipHeaderLength + transportHeaderLength)..].CopyTo(headBuffer.AsSpan(offset + item.Length));
        item.Length += payload;
        item.NextSequence += (uint)payload;
        item.Segments++;
        item.NextId++;
        if ((tcp[TcpFlagsOffset] & TcpPsh) != 0)
        {
            headBuffer[offset + ipHeaderLength + TcpFlagsOffset] |= TcpPsh;
            item.EndsRun = true; // PSH may only be on the last segment of a super-packet
        }
        if (payload < item.GsoSize)
        {
            item.EndsRun = true; // nothing may follow a short segment
        }
        return AppendResult.Appended;
    }

    private static AppendResult TryAppendUdp(ref GroItem item, byte[][] buffers, int offset, ReadOnlySpan<byte> packet)
    {
        int ipHeaderLength = item.IpHeaderLength;
        int payload = packet.Length - ipHeaderLength - 8;
        byte[] headBuffer = buffers[item.Head];
        Span<byte> head = headBuffer.AsSpan(offset, item.Length);
        if (item.EndsRun || payload > item.GsoSize || item.Segments >= MaxUdpSegments
            || !IpHeadersMatch(ref item, head, packet)
            || item.Length + payload > Math.Min(MaxPacketLength, headBuffer.Length - offset))
        {
            return AppendResult.CannotAppend;
        }
        AppendResult checksums = VerifyChecksums(ref item, head, packet, 17);
        if (checksums != AppendResult.Appended)
        {
            return checksums;
        }

        packet[(ipHeaderLength + 8)..].CopyTo(headBuffer.AsSpan(offset + item.Length));
        item.Length += payload;
        item.Segments++;
        item.NextId++;
        if (payload < item.GsoSize)
        {
            item.EndsRun = true;
        }
        return AppendResult.Appended;
    }

    private static bool IpHeadersMatch(ref GroItem item, ReadOnlySpan<byte> head, ReadOnlySpan<byte> packet)
    {
        if (item.Kind is FlowKind.Tcp6 or FlowKind.Udp6)
        {
            // Version, traffic class and flow label in the first word; hop limit.
            return packet[..4].SequenceEqual(head[..4]) && packet[7] == head[7];
        }
        // TOS (with ECN), the flag bits (DF), TTL; without DF the ids must count up as the kernel's GRO requires.
        if (packet[1] != head[1] || (packet[6] & 0xE0) != (head[6] & 0xE0) || packet[8] != head[8])
        {
            return false;
        }
        return (head[6] & 0x40) != 0 || BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) == item.NextId;
    }

    // The merged packet's headers are rewritten and its payload goes up as CHECKSUM_PARTIAL, so nothing would catch
    // a corrupt piece later: verify the head once and every appended packet, IPv4 header checksums included
    // (inet_gro_receive checks those too).
    private static AppendResult VerifyChecksums(ref GroItem item, ReadOnlySpan<byte> head, ReadOnlySpan<byte> packet, byte protocol)
    {
        bool v6 = item.Kind is FlowKind.Tcp6 or FlowKind.Udp6;
        if (!item.HeadVerified)
        {
            if (!ChecksumsValid(head, item.IpHeaderLength, protocol, v6))
            {
                return AppendResult.CannotAppend;
            }
            item.HeadVerified = true;
        }
        return ChecksumsValid(packet, item.IpHeaderLength, protocol, v6) ? AppendResult.Appended : AppendResult.PacketInvalid;
    }

    private static bool ChecksumsValid(ReadOnlySpan<byte> packet, int ipHeaderLength, byte protocol, bool isIPv6) =>
        (isIPv6 || InternetChecksum.Sum(packet[..ipHeaderLength]) == 0xFFFF)
        && TransportChecksumValid(packet, ipHeaderLength, protocol, isIPv6);

    internal static bool TransportChecksumValid(ReadOnlySpan<byte> packet, int ipHeaderLength, byte protocol, bool isIPv6)
    {
        ReadOnlySpan<byte> transport = packet[ipHeaderLength..];
        if (protocol == 17 && BinaryPrimitives.ReadUInt16BigEndian(transport[6..]) == 0)
        {
            return false; // IPv4 "no checksum" (and never valid for IPv6): unverifiable, so never merged
        }
        uint pseudo = InternetChecksum.PseudoHeaderSum(packet, isIPv6, protocol, transport.Length);
        return InternetChecksum.Sum(transport, pseudo) == 0xFFFF;
    }

    // Turns a head with merged segments into a super-packet: lengths, IPv4 header checksum, the transport checksum
    // field set to the pseudo-header sum (CHECKSUM_PARTIAL convention) and the GSO virtio header before it.
    private static void Finish(in GroItem item, Span<byte> record)
    {
        Span<byte> packet = record[VirtioNetHeader.Size..];
        bool v6 = item.Kind is FlowKind.Tcp6 or FlowKind.Udp6;
        bool tcp = item.Kind is FlowKind.Tcp4 or FlowKind.Tcp6;
        int transportLength = item.Length - item.IpHeaderLength;
        if (v6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[4..], (ushort)(item.Length - 40));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(packet[2..], (ushort)item.Length);
            packet[10] = 0;
            packet[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(packet[10..], InternetChecksum.Finish(InternetChecksum.Sum(packet[..item.IpHeaderLength])));
        }
        Span<byte> transport = packet[item.IpHeaderLength..];
        int checksumOffset = tcp ? 16 : 6;
        if (!tcp)
        {
            BinaryPrimitives.WriteUInt16BigEndian(transport[4..], (ushort)transportLength);
        }
        uint pseudo = InternetChecksum.PseudoHeaderSum(packet, v6, tcp ? (byte)6 : (byte)17, transportLength);
        BinaryPrimitives.WriteUInt16BigEndian(transport[checksumOffset..], (ushort)pseudo);

        var header = new VirtioNetHeader
        {
            Flags = VirtioNetHeader.FlagNeedsChecksum,
            GsoType = item.Kind switch
            {
                FlowKind.Tcp4 => VirtioNetHeader.GsoTcpV4,
                FlowKind.Tcp6 => VirtioNetHeader.GsoTcpV6,
                _ => VirtioNetHeader.GsoUdpL4,
            },
            HeaderLength = (ushort)(item.IpHeaderLength + item.TransportHeaderLength),
            GsoSize = (ushort)item.GsoSize,
            ChecksumStart = (ushort)item.IpHeaderLength,
            ChecksumOffset = (ushort)checksumOffset,
        };
        header.Write(record);
    }

    internal enum FlowKind : byte
    {
        None,
        Tcp4,
        Tcp6,
        Udp4,
        Udp6,
    }

    private enum AppendResult : byte
    {
        Appended,
        CannotAppend,
        PacketInvalid,
    }

    /// <summary>One open or finished super-packet: the head's buffer index and what the next segment must match.</summary>
    private struct GroItem
    {
        public GroItem(int head, FlowKind kind, int ipHeaderLength, int transportHeaderLength, ReadOnlySpan<byte> packet)
        {
            Head = head;
            Kind = kind;
            IpHeaderLength = ipHeaderLength;
            TransportHeaderLength = transportHeaderLength;
            Length = packet.Length;
            GsoSize = packet.Length - ipHeaderLength - transportHeaderLength;
            Segments = 1;
            Open = true;
            bool tcp = kind is FlowKind.Tcp4 or FlowKind.Tcp6;
            NextSequence = tcp ? BinaryPrimitives.ReadUInt32BigEndian(packet[(ipHeaderLength + 4)..]) + (uint)GsoSize : 0;
            NextId = kind is FlowKind.Tcp4 or FlowKind.Udp4 ? (ushort)(BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) + 1) : (ushort)0;
            EndsRun = tcp && (packet[ipHeaderLength + TcpFlagsOffset] & TcpPsh) != 0;
        }

        public int Head;
        public FlowKind Kind;
        public int IpHeaderLength;
        public int TransportHeaderLength;
        public int Length;
        public int GsoSize;
        public int Segments;
        public uint NextSequence;
        public ushort NextId;
        public bool Open;
        public bool HeadVerified;

        /// <summary>A PSH or a short segment ended the super-packet: nothing more may be appended.</summary>
        public bool EndsRun;
    }
}
