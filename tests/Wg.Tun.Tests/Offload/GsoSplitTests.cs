// Cutting super-packets read from a TUN into segments (GsoPacket, GsoReadBuffer), against crafted records shaped
// like the kernel's (tun_put_user + virtio_net_hdr_from_skb): every segment's headers and checksums are checked.
using System.Buffers.Binary;
using WgSharp.Tun.Offload;
using static WgSharp.Tun.Tests.Support.L4Packets;

namespace WgSharp.Tun.Tests.Offload;

public class GsoSplitTests
{
    /// <summary>A TCP super-packet as the kernel hands it out: one header, all the payload, partial checksum.</summary>
    internal static byte[] TcpRecord(Tcp t, int gsoSize, byte gsoTypeExtra = 0)
    {
        byte[] packet = Build(t);
        bool v6 = IsV6(packet);
        int ipHeader = IpHeaderLength(packet);
        // CHECKSUM_PARTIAL: the field holds the pseudo-header sum (not complemented).
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(ipHeader + 16), PseudoHeaderSum(packet));
        var header = new VirtioNetHeader
        {
            Flags = VirtioNetHeader.FlagNeedsChecksum,
            GsoType = (byte)((v6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4) | gsoTypeExtra),
            HeaderLength = (ushort)(ipHeader + 20 + t.Options.Length),
            GsoSize = (ushort)gsoSize,
            ChecksumStart = (ushort)ipHeader,
            ChecksumOffset = 16,
        };
        return Record(header, packet);
    }

    internal static byte[] Record(VirtioNetHeader header, byte[] packet)
    {
        byte[] record = new byte[VirtioNetHeader.Size + packet.Length];
        header.Write(record);
        packet.CopyTo(record, VirtioNetHeader.Size);
        return record;
    }

    private static List<byte[]> Split(byte[] record)
    {
        var header = VirtioNetHeader.Read(record);
        Assert.True(GsoPacket.TryParse(header, record.AsSpan(VirtioNetHeader.Size), out GsoPacket parsed));
        var segments = new List<byte[]>();
        for (int k = 0; k < parsed.SegmentCount; k++)
        {
            byte[] segment = new byte[parsed.SegmentLength(k)];
            Assert.Equal(segment.Length, parsed.WriteSegment(record.AsSpan(VirtioNetHeader.Size), k, segment));
            segments.Add(segment);
        }
        return segments;
    }

    [Theory]
    [InlineData(false, 5000, 1000)] // exact multiple
    [InlineData(false, 4500, 1000)] // short last segment
    [InlineData(true, 7001, 1220)]
    [InlineData(true, 1, 1220)] // one segment
    public void TcpSuperPacketBecomesCorrectSegments(bool v6, int payloadLength, int gsoSize)
    {
        byte[] payload = new byte[payloadLength];
        Random.Shared.NextBytes(payload);
        var t = new Tcp
        {
            Source = v6 ? V6A : V4A,
            Destination = v6 ? V6B : V4B,
            Sequence = 0xFFFF_F000, // wraps within the super-packet
            Flags = Ack | Psh | Fin | Cwr,
            Options = Timestamps(11, 22),
            Payload = payload,
            Id = 0xFFFE, // wraps too
        };
        List<byte[]> segments = Split(TcpRecord(t, gsoSize, VirtioNetHeader.GsoEcn));

        Assert.Equal((payloadLength + gsoSize - 1) / gsoSize, segments.Count);
        var joined = new List<byte>();
        for (int k = 0; k < segments.Count; k++)
        {
            byte[] s = segments[k];
            bool last = k == segments.Count - 1;
            Assert.True(LengthFieldMatches(s));
            Assert.True(IpChecksumValid(s), $"IP checksum of segment {k}");
            Assert.True(TransportChecksumValid(s), $"TCP checksum of segment {k}");
            Assert.Equal(unchecked(t.Sequence + (uint)(k * gsoSize)), Sequence(s));
            Assert.Equal(t.Acknowledgment, Acknowledgment(s));
            Assert.Equal(last ? payloadLength - k * gsoSize : gsoSize, TcpPayload(s).Length);
            byte flags = TcpFlags(s);
            Assert.Equal(last, (flags & Psh) != 0);
            Assert.Equal(last, (flags & Fin) != 0);
            Assert.Equal(k == 0, (flags & Cwr) != 0);
            Assert.True((flags & Ack) != 0);
            Assert.Equal(Timestamps(11, 22), s.AsSpan(IpHeaderLength(s) + 20, 12).ToArray());
            if (!v6)
            {
                Assert.Equal(unchecked((ushort)(0xFFFE + k)), Ipv4Id(s));
            }
            joined.AddRange(TcpPayload(s));
        }
        Assert.Equal(payload, joined.ToArray());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UdpSuperPacketBecomesDatagrams(bool v6)
    {
        byte[] payload = new byte[3000];
        Random.Shared.NextBytes(payload);
        byte[] packet = Udp(v6 ? V6A : V4A, 1000, v6 ? V6B : V4B, 2000, payload);
        int ipHeader = IpHeaderLength(packet);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(ipHeader + 6), PseudoHeaderSum(packet));
        byte[] record = Record(new VirtioNetHeader
        {
            Flags = VirtioNetHeader.FlagNeedsChecksum,
            GsoType = VirtioNetHeader.GsoUdpL4,
            HeaderLength = (ushort)(ipHeader + 8),
            GsoSize = 1200,
            ChecksumStart = (ushort)ipHeader,
            ChecksumOffset = 6,
        }, packet);

        List<byte[]> datagrams = Split(record);
        Assert.Equal([1200, 1200, 600], datagrams.Select(d => UdpPayload(d).Length));
        for (int k = 0; k < datagrams.Count; k++)
        {
            byte[] d = datagrams[k];
            Assert.True(LengthFieldMatches(d));
            Assert.Equal(d.Length - ipHeader, BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(ipHeader + 4)));
            Assert.True(IpChecksumValid(d));
            Assert.True(TransportChecksumValid(d));
            Assert.Equal(payload.AsSpan(k * 1200, UdpPayload(d).Length).ToArray(), UdpPayload(d));
        }
    }

    [Fact]
    public void PlainPacketWithPartialChecksumIsCompleted()
    {
        byte[] packet = Build(new Tcp { Payload = [1, 2, 3, 4, 5] });
        int ipHeader = IpHeaderLength(packet);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(ipHeader + 16), PseudoHeaderSum(packet));
        Assert.False(TransportChecksumValid(packet));
        byte[] record = Record(new VirtioNetHeader
        {
            Flags = VirtioNetHeader.FlagNeedsChecksum,
            ChecksumStart = (ushort)ipHeader,
            ChecksumOffset = 16,
        }, packet);

        List<byte[]> result = Split(record);
        Assert.Single(result);
        Assert.True(TransportChecksumValid(result[0]));
        Assert.Equal(Build(new Tcp { Payload = [1, 2, 3, 4, 5] }), result[0]);
    }

    [Fact]
    public void PlainPacketWithoutFlagsIsCopiedUnchanged()
    {
        byte[] packet = Udp(V4A, 1, V4B, 2, [9, 8, 7]);
        List<byte[]> result = Split(Record(default, packet));
        Assert.Equal(packet, Assert.Single(result));
    }

    public static TheoryData<string> MalformedRecords() => new()
    {
        "gso size zero", "no needs-csum flag", "tcpv4 type on ipv6", "tcpv6 type on ipv4", "wrong csum offset",
        "csum start not the ipv4 header length", "header only, no payload", "truncated tcp header",
        "unknown gso type", "plain csum past the end", "empty",
        // Found by fuzzing: cut as TCP/UDP while the IP header names another protocol, every segment's
        // checksum would cover the wrong pseudo-header.
        "tcpv4 type on an ipv4 udp header", "tcpv6 type on an ipv6 udp header", "udp l4 type on an ipv4 tcp header",
    };

    [Theory]
    [MemberData(nameof(MalformedRecords))]
    public void MalformedRecordsAreRefused(string what)
    {
        byte[] v4 = Build(new Tcp { Payload = new byte[3000] });
        byte[] v6 = Build(new Tcp { Source = V6A, Destination = V6B, Payload = new byte[3000] });
        var good = new VirtioNetHeader
        {
            Flags = VirtioNetHeader.FlagNeedsChecksum,
            GsoType = VirtioNetHeader.GsoTcpV4,
            HeaderLength = 40,
            GsoSize = 1000,
            ChecksumStart = 20,
            ChecksumOffset = 16,
        };
        (VirtioNetHeader header, byte[] packet) = what switch
        {
            "gso size zero" => (good with { GsoSize = 0 }, v4),
            "no needs-csum flag" => (good with { Flags = 0 }, v4),
            "tcpv4 type on ipv6" => (good with { ChecksumStart = 40 }, v6),
            "tcpv6 type on ipv4" => (good with { GsoType = VirtioNetHeader.GsoTcpV6 }, v4),
            "wrong csum offset" => (good with { ChecksumOffset = 6 }, v4),
            "csum start not the ipv4 header length" => (good with { ChecksumStart = 24 }, v4),
            "header only, no payload" => (good, v4[..40]),
            "truncated tcp header" => (good, v4[..30]),
            "unknown gso type" => (good with { GsoType = VirtioNetHeader.GsoUdp }, v4),
            "tcpv4 type on an ipv4 udp header" => (good, WithProtocol(v4, 9, 17)),
            "tcpv6 type on an ipv6 udp header" => (good with { GsoType = VirtioNetHeader.GsoTcpV6, ChecksumStart = 40, HeaderLength = 60 }, WithProtocol(v6, 6, 17)),
            "udp l4 type on an ipv4 tcp header" => (good with { GsoType = VirtioNetHeader.GsoUdpL4, ChecksumOffset = 6, HeaderLength = 28 }, v4),
            "plain csum past the end" => (new VirtioNetHeader { Flags = VirtioNetHeader.FlagNeedsChecksum, ChecksumStart = 3030, ChecksumOffset = 16 }, v4),
            _ => (good, Array.Empty<byte>()),
        };
        Assert.False(GsoPacket.TryParse(header, packet, out _));
    }

    private static byte[] WithProtocol(byte[] packet, int offset, byte protocol)
    {
        byte[] copy = (byte[])packet.Clone();
        copy[offset] = protocol;
        return copy;
    }

    [Fact]
    public void SegmentsBeyondTheBatchAreHandedOutOnTheNextDrain()
    {
        var buffer = new GsoReadBuffer();
        byte[] payload = new byte[7 * 500];
        Random.Shared.NextBytes(payload);
        byte[] record = TcpRecord(new Tcp { Payload = payload }, 500);
        record.CopyTo(buffer.Buffer, 0);
        Assert.True(buffer.Load(record.Length));
        Assert.Equal(7, buffer.Pending);

        byte[][] buffers = [new byte[2000], new byte[2000], new byte[2000]];
        int[] sizes = new int[3];
        long dropped = 0;
        var sequences = new List<uint>();
        var counts = new List<int>();
        while (buffer.Pending > 0)
        {
            int n = buffer.Drain(buffers, sizes, 16, 0, ref dropped);
            counts.Add(n);
            for (int i = 0; i < n; i++)
            {
                byte[] segment = buffers[i].AsSpan(16, sizes[i]).ToArray();
                Assert.True(TransportChecksumValid(segment));
                sequences.Add(Sequence(segment));
            }
        }
        Assert.Equal([3, 3, 1], counts);
        Assert.Equal(Enumerable.Range(0, 7).Select(k => 1000u + (uint)(k * 500)), sequences);
        Assert.Equal(0, dropped);
    }

    [Fact]
    public void ASuperPacketThatDoesNotFitBehindOtherPacketsWaitsWholeForTheNextBatch()
    {
        var buffer = new GsoReadBuffer();
        byte[] record = TcpRecord(new Tcp { Payload = new byte[3 * 500] }, 500);
        record.CopyTo(buffer.Buffer, 0);
        Assert.True(buffer.Load(record.Length));
        byte[][] buffers = Enumerable.Range(0, 4).Select(_ => new byte[600]).ToArray();
        int[] sizes = new int[4];
        long dropped = 0;

        Assert.Equal(2, buffer.Drain(buffers, sizes, 0, 2, ref dropped)); // two slots left, three segments: wait
        Assert.Equal(3, buffer.Pending);
        Assert.Equal(3, buffer.Drain(buffers, sizes, 0, 0, ref dropped));
        Assert.Equal(1000u, Sequence(buffers[0].AsSpan(0, sizes[0])));
        Assert.Equal(0, buffer.Pending);
    }

    [Fact]
    public void SegmentTooBigForItsBufferIsCountedAndSkipped()
    {
        var buffer = new GsoReadBuffer();
        byte[] record = TcpRecord(new Tcp { Payload = new byte[2500] }, 1000); // segments of 1040, 1040 and 540 bytes
        record.CopyTo(buffer.Buffer, 0);
        Assert.True(buffer.Load(record.Length));
        byte[][] buffers = [new byte[16 + 1000], new byte[16 + 1000]];
        int[] sizes = new int[2];
        long dropped = 0;
        int n = buffer.Drain(buffers, sizes, 16, 0, ref dropped);
        Assert.Equal(1, n);
        Assert.Equal(2, dropped);
        Assert.Equal(540, sizes[0]);
        Assert.Equal(3000u, Sequence(buffers[0].AsSpan(16, sizes[0])));
        Assert.Equal(0, buffer.Pending);
    }

    [Fact]
    public void ShortOrOversizedRecordsDoNotLoad()
    {
        var buffer = new GsoReadBuffer();
        Assert.False(buffer.Load(5));
        Assert.False(buffer.Load(GsoReadBuffer.Capacity + 1));
        Assert.Equal(0, buffer.Pending);
    }
}
