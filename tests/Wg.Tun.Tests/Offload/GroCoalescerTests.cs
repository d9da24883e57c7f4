// Software GRO before TUN writes (GroCoalescer): what merges, what must not (out of order, other flows, flags,
// option or header differences, bad checksums, limits), and that a merged super-packet splits back exactly.
using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using WgSharp.Tun.Offload;
using static WgSharp.Tun.Tests.Support.L4Packets;

namespace WgSharp.Tun.Tests.Offload;

public class GroCoalescerTests
{
    private const int Offset = 16;

    private sealed record Written(VirtioNetHeader Header, byte[] Packet, int Index);

    private static List<Written> Coalesce(IReadOnlyList<byte[]> packets, bool udp = false, int bufferSize = Offset + 65535)
    {
        byte[][] buffers = packets.Select(_ => new byte[bufferSize]).ToArray();
        int[] sizes = packets.Select(p => p.Length).ToArray();
        for (int i = 0; i < packets.Count; i++)
        {
            packets[i].CopyTo(buffers[i], Offset);
        }
        int[] order = new int[packets.Count];
        var coalescer = new GroCoalescer { CoalesceUdp = udp };
        int writes = coalescer.Coalesce(buffers, sizes, packets.Count, Offset, order);
        return order.Take(writes)
            .Select(i => new Written(VirtioNetHeader.Read(buffers[i].AsSpan(Offset - VirtioNetHeader.Size)),
                buffers[i].AsSpan(Offset, sizes[i]).ToArray(), i))
            .ToList();
    }

    /// <summary>Consecutive full-size segments of one flow, sequence numbers following each other.</summary>
    private static List<byte[]> Flow(int count, int size = 1000, Tcp? template = null, uint sequence = 1000)
    {
        template ??= new Tcp();
        var packets = new List<byte[]>();
        for (int k = 0; k < count; k++)
        {
            byte[] payload = new byte[size];
            Random.Shared.NextBytes(payload);
            packets.Add(Build(template with { Sequence = sequence + (uint)(k * size), Payload = payload, Id = (ushort)(template.Id + k) }));
        }
        return packets;
    }

    private static void AssertPlain(Written w, byte[] original)
    {
        Assert.Equal(default, w.Header);
        Assert.Equal(original, w.Packet);
    }

    /// <summary>Completes the CHECKSUM_PARTIAL field as the kernel would and splits back, through GsoPacket.</summary>
    private static List<byte[]> SplitBack(Written w)
    {
        Assert.True(GsoPacket.TryParse(w.Header, w.Packet, out GsoPacket parsed));
        return Enumerable.Range(0, parsed.SegmentCount).Select(k =>
        {
            byte[] segment = new byte[parsed.SegmentLength(k)];
            parsed.WriteSegment(w.Packet, k, segment);
            return segment;
        }).ToList();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void InOrderSegmentsOfOneFlowBecomeOneSuperPacket(bool v6)
    {
        Tcp template = v6 ? new Tcp { Source = V6A, Destination = V6B, FlowLabel = 0x12345 } : new Tcp();
        template = template with { Options = Timestamps(5, 6) };
        List<byte[]> packets = Flow(5, 1200, template);
        packets.Add(Build(template with { Sequence = 1000 + 5 * 1200, Payload = [1, 2, 3], Flags = Ack | Psh, Id = 105 }));

        Written w = Assert.Single(Coalesce(packets));
        int ipHeader = v6 ? 40 : 20;
        Assert.Equal(0, w.Index);
        Assert.Equal(VirtioNetHeader.FlagNeedsChecksum, w.Header.Flags);
        Assert.Equal(v6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4, w.Header.GsoType);
        Assert.Equal(ipHeader + 32, w.Header.HeaderLength);
        Assert.Equal(1200, w.Header.GsoSize);
        Assert.Equal(ipHeader, w.Header.ChecksumStart);
        Assert.Equal(16, w.Header.ChecksumOffset);
        Assert.Equal(ipHeader + 32 + 5 * 1200 + 3, w.Packet.Length);
        Assert.True(LengthFieldMatches(w.Packet));
        Assert.True(IpChecksumValid(w.Packet));
        Assert.Equal(PseudoHeaderSum(w.Packet), BinaryPrimitives.ReadUInt16BigEndian(w.Packet.AsSpan(ipHeader + 16)));
        Assert.Equal(Ack | Psh, TcpFlags(w.Packet));
        Assert.Equal(packets.SelectMany(p => TcpPayload(p)).ToArray(), TcpPayload(w.Packet));

        // Cut again (as the receiving stack or a forwarding kernel would), the original segments come back.
        Assert.Equal(packets, SplitBack(w));
    }

    [Fact]
    public void SequenceGapOrReorderingStartsANewSuperPacket()
    {
        List<byte[]> packets = Flow(6);
        (packets[3], packets[4]) = (packets[4], packets[3]); // 0 1 2 4 3 5
        List<Written> written = Coalesce(packets);
        // 0+1+2 merge; 4 cannot follow 2; 3 cannot follow 4 and closes it; 5 cannot follow 3's gap... it follows 4, which is
        // closed, so it starts its own. Order within the flow is kept.
        Assert.Equal([0, 3, 4, 5], written.Select(w => w.Index));
        Assert.Equal(3000, TcpPayload(written[0].Packet).Length);
        Assert.Equal([1000u, 5000u, 4000u, 6000u], written.Select(w => Sequence(w.Packet)));
    }

    [Fact]
    public void DifferentFlowsMergeSeparatelyAndInterleave()
    {
        List<byte[]> a = Flow(3, template: new Tcp { SourcePort = 1 });
        List<byte[]> b = Flow(3, template: new Tcp { SourcePort = 2 }, sequence: 50_000);
        List<Written> written = Coalesce([a[0], b[0], a[1], b[1], a[2], b[2]]);
        Assert.Equal(2, written.Count);
        Assert.Equal([(ushort)1, (ushort)2], written.Select(w => SourcePort(w.Packet)));
        Assert.Equal(a.SelectMany(p => TcpPayload(p)).ToArray(), TcpPayload(written[0].Packet));
        Assert.Equal(b.SelectMany(p => TcpPayload(p)).ToArray(), TcpPayload(written[1].Packet));
    }

    [Fact]
    public void PacketsToAnotherAddressAreAnotherFlow()
    {
        List<byte[]> a = Flow(2);
        byte[] other = Build(new Tcp { Destination = System.Net.IPAddress.Parse("10.9.0.3"), Sequence = 3000, Payload = new byte[1000] });
        List<Written> written = Coalesce([a[0], other, a[1]]);
        Assert.Equal([0, 1], written.Select(w => w.Index));
        Assert.Equal(2000, TcpPayload(written[0].Packet).Length);
        AssertPlain(written[1], other);
    }

    [Theory]
    [InlineData(Fin | Ack)]
    [InlineData(Syn | Ack)]
    [InlineData(Rst | Ack)]
    [InlineData(Urg | Ack)]
    [InlineData(Ece | Ack)]
    [InlineData(Cwr | Ack)]
    [InlineData(Psh)]
    public void SegmentsWithOtherFlagsAreNeverMerged(byte flags)
    {
        List<byte[]> packets = Flow(3);
        packets[1] = Build(new Tcp { Sequence = 2000, Payload = TcpPayload(packets[1]), Flags = flags, Id = 101 });
        List<Written> written = Coalesce(packets);
        // The odd one is written as it is and ends the run before it; the third cannot jump over it.
        Assert.Equal([0, 1, 2], written.Select(w => w.Index));
        for (int i = 0; i < 3; i++)
        {
            AssertPlain(written[i], packets[i]);
        }
    }

    [Fact]
    public void NothingIsAppendedAfterAPsh()
    {
        List<byte[]> packets = Flow(4);
        packets[1] = Build(new Tcp { Sequence = 2000, Payload = TcpPayload(packets[1]), Flags = Ack | Psh, Id = 101 });
        List<Written> written = Coalesce(packets);
        Assert.Equal([0, 2], written.Select(w => w.Index));
        Assert.Equal(Ack | Psh, TcpFlags(written[0].Packet));
        Assert.Equal(2000, TcpPayload(written[0].Packet).Length);
        Assert.Equal(2000, TcpPayload(written[1].Packet).Length);
    }

    [Fact]
    public void ASegmentAfterAShortOneOrALargerOneIsNotAppended()
    {
        var t = new Tcp();
        byte[] first = Build(t with { Sequence = 1000, Payload = new byte[1000] });
        byte[] shortOne = Build(t with { Sequence = 2000, Payload = new byte[500], Id = 101 });
        byte[] afterShort = Build(t with { Sequence = 2500, Payload = new byte[500], Id = 102 });
        byte[] larger = Build(t with { Sequence = 3000, Payload = new byte[1200], Id = 103 });
        List<Written> written = Coalesce([first, shortOne, afterShort, larger]);
        // 1000 + a short 500 merge and end the run; the next 500 starts over; a longer 1200 may not follow it.
        Assert.Equal([0, 2, 3], written.Select(w => w.Index));
        Assert.Equal([1500, 500, 1200], written.Select(w => TcpPayload(w.Packet).Length));
        Assert.Equal(1000, written[0].Header.GsoSize);
    }

    [Fact]
    public void DifferentOptionsAckTtlTosHeaderLengthOrWindowDoNotMerge()
    {
        var t = new Tcp { Options = Timestamps(1, 2) };
        byte[] a = Build(t with { Sequence = 1000, Payload = new byte[1000] });
        byte[][] variants =
        [
            Build(t with { Sequence = 2000, Payload = new byte[1000], Options = Timestamps(2, 2) }),
            Build(t with { Sequence = 2000, Payload = new byte[1000], Acknowledgment = 8 }),
            Build(t with { Sequence = 2000, Payload = new byte[1000], Ttl = 63 }),
            Build(t with { Sequence = 2000, Payload = new byte[1000], Tos = 1 }),
            Build(t with { Sequence = 2000, Payload = new byte[1000], Options = [] }),
            Build(t with { Sequence = 2000, Payload = new byte[1000], DontFragment = false, Id = 101 }),
            // Found by fuzzing: a window update merged into the head's segment was lost when cut back.
            Build(t with { Sequence = 2000, Payload = new byte[1000], Window = 1024 }),
        ];
        foreach (byte[] b in variants)
        {
            List<Written> written = Coalesce([a, b]);
            Assert.Equal(2, written.Count);
            AssertPlain(written[0], a);
            AssertPlain(written[1], b);
        }
    }

    [Fact]
    public void Ipv6FlowLabelOrHopLimitDifferencesDoNotMerge()
    {
        var t = new Tcp { Source = V6A, Destination = V6B, FlowLabel = 7 };
        byte[] a = Build(t with { Sequence = 1000, Payload = new byte[1000] });
        Assert.Equal(2, Coalesce([a, Build(t with { Sequence = 2000, Payload = new byte[1000], FlowLabel = 8 })]).Count);
        Assert.Equal(2, Coalesce([a, Build(t with { Sequence = 2000, Payload = new byte[1000], Ttl = 1 })]).Count);
        Assert.Single(Coalesce([a, Build(t with { Sequence = 2000, Payload = new byte[1000] })]));
    }

    [Fact]
    public void WithoutDontFragmentIdsMustCountUp()
    {
        var t = new Tcp { DontFragment = false };
        byte[] a = Build(t with { Sequence = 1000, Payload = new byte[1000], Id = 10 });
        Assert.Single(Coalesce([a, Build(t with { Sequence = 2000, Payload = new byte[1000], Id = 11 })]));
        Assert.Equal(2, Coalesce([a, Build(t with { Sequence = 2000, Payload = new byte[1000], Id = 13 })]).Count);
        // With DF the id does not matter (the kernel's GRO accepts a fixed id as well).
        var df = new Tcp();
        Assert.Single(Coalesce([Build(df with { Payload = new byte[1000], Id = 5 }), Build(df with { Sequence = 2000, Payload = new byte[1000], Id = 5 })]));
    }

    [Fact]
    public void ABadChecksumIsNeverMergedAndEndsTheRun()
    {
        List<byte[]> packets = Flow(4);
        packets[2][^1] ^= 0xFF; // corrupt the payload of the third: its TCP checksum no longer holds
        List<Written> written = Coalesce(packets);
        Assert.Equal([0, 2, 3], written.Select(w => w.Index));
        Assert.Equal(2000, TcpPayload(written[0].Packet).Length);
        AssertPlain(written[1], packets[2]);
        AssertPlain(written[2], packets[3]);
    }

    [Fact]
    public void ABadHeadChecksumOrIpv4HeaderChecksumPreventsMerging()
    {
        List<byte[]> packets = Flow(2);
        packets[0][^1] ^= 1;
        Assert.Equal(2, Coalesce(packets).Count);

        packets = Flow(2);
        packets[1][10] ^= 0x55; // only the IPv4 header checksum is wrong
        List<Written> written = Coalesce(packets);
        Assert.Equal(2, written.Count);
        AssertPlain(written[1], packets[1]);
    }

    [Fact]
    public void MergingStopsAt65535BytesAndAtTheHeadBuffersEnd()
    {
        List<byte[]> packets = Flow(70, 1000);
        List<Written> written = Coalesce(packets);
        Assert.All(written, w => Assert.True(w.Packet.Length <= 65535));
        Assert.Equal(70_000, written.Sum(w => TcpPayload(w.Packet).Length));
        Assert.Equal(65, TcpPayload(written[0].Packet).Length / 1000); // 40 + 65 * 1000 fits, 66 would not

        List<Written> small = Coalesce(Flow(5, 1000), bufferSize: Offset + 3100);
        Assert.Equal([3000, 2000], small.Select(w => TcpPayload(w.Packet).Length));
    }

    [Fact]
    public void NonCandidatePacketOfTheFlowClosesItsRun()
    {
        List<byte[]> data = Flow(4);
        byte[] pureAck = Build(new Tcp { Sequence = 3000 }); // same flow, no payload
        List<Written> written = Coalesce([data[0], data[1], pureAck, data[2], data[3]]);
        Assert.Equal([0, 2, 3], written.Select(w => w.Index));
        AssertPlain(written[1], pureAck);
        Assert.Equal(2000, TcpPayload(written[2].Packet).Length);
    }

    [Fact]
    public void OtherPacketsGetAPlainHeaderAndStayUnchanged()
    {
        byte[] udp = Udp(V4A, 1, V4B, 2, [1, 2, 3]);
        byte[] icmpLike = [0x45, 0, 0, 20, 0, 0, 0x40, 0, 64, 1, 0, 0, 10, 9, 0, 1, 10, 9, 0, 2];
        byte[] notIp = [0x10, 1, 2, 3];
        List<Written> written = Coalesce([udp, icmpLike, notIp]);
        Assert.Equal(3, written.Count);
        AssertPlain(written[0], udp);
        AssertPlain(written[1], icmpLike);
        AssertPlain(written[2], notIp);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UdpDatagramsMergeOnlyWhenEnabled(bool v6)
    {
        var source = v6 ? V6A : V4A;
        var destination = v6 ? V6B : V4B;
        List<byte[]> datagrams = Enumerable.Range(0, 4)
            .Select(k => Udp(source, 1, destination, 2, Enumerable.Repeat((byte)k, k == 3 ? 300 : 1000).ToArray(), (ushort)(100 + k)))
            .ToList();
        Assert.Equal(4, Coalesce(datagrams, udp: false).Count);

        Written w = Assert.Single(Coalesce(datagrams, udp: true));
        Assert.Equal(VirtioNetHeader.GsoUdpL4, w.Header.GsoType);
        Assert.Equal(1000, w.Header.GsoSize);
        Assert.Equal(6, w.Header.ChecksumOffset);
        int ipHeader = v6 ? 40 : 20;
        Assert.Equal(w.Packet.Length - ipHeader, BinaryPrimitives.ReadUInt16BigEndian(w.Packet.AsSpan(ipHeader + 4)));
        Assert.Equal(datagrams, SplitBack(w));
    }

    [Fact]
    public void UdpStopsAt64DatagramsAndRefusesZeroChecksums()
    {
        List<byte[]> many = Enumerable.Range(0, 70).Select(k => Udp(V4A, 1, V4B, 2, new byte[100], (ushort)k)).ToList();
        Assert.Equal([6400, 600], Coalesce(many, udp: true).Select(w => UdpPayload(w.Packet).Length));

        byte[] a = Udp(V4A, 1, V4B, 2, new byte[100]);
        byte[] b = Udp(V4A, 1, V4B, 2, new byte[100], 101);
        b[26] = b[27] = 0; // "no checksum"
        Assert.Equal(2, Coalesce([a, b], udp: true).Count);
    }

    [Fact]
    public void FragmentsAndIpv4OptionsAreNotCandidates()
    {
        List<byte[]> packets = Flow(2);
        byte[] fragment = (byte[])packets[1].Clone();
        fragment[6] |= 0x20; // more fragments
        fragment[10] = fragment[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(10), Fold(fragment.AsSpan(0, 20)));
        Assert.Equal(2, Coalesce([packets[0], fragment]).Count);
    }

    [Fact]
    public void TooLittleHeadroomIsMisuse()
    {
        var coalescer = new GroCoalescer();
        Assert.Throws<ArgumentOutOfRangeException>(() => coalescer.Coalesce([new byte[100]], [20], 1, 4, new int[1]));
    }

    [Fact]
    public void RandomRunsRoundTripThroughCoalesceAndSplit()
    {
        // Any mix of flows, segment sizes (full, with a short tail) and PSH ends: coalescing then cutting every
        // written packet gives back the original packets of each flow in their original order.
        Gen<(int, int, int, int)> cases = Gen.Choose(1, 40).SelectMany(count => Gen.Choose(1, 3).SelectMany(flows =>
            Gen.Choose(100, 1400).SelectMany(size => Gen.Choose(0, int.MaxValue).Select(seed => (count, flows, size, seed)))));
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Arb.From(cases), c =>
        {
            (int count, int flows, int size, int seed) = c;
            var random = new Random(seed);
            var next = new uint[flows];
            var packets = new List<byte[]>();
            for (int k = 0; k < count; k++)
            {
                int flow = random.Next(flows);
                int length = random.Next(4) == 0 ? random.Next(1, size) : size;
                byte flags = random.Next(6) == 0 ? (byte)(Ack | Psh) : Ack;
                bool v6 = flow == 2;
                var t = new Tcp
                {
                    Source = v6 ? V6A : V4A,
                    Destination = v6 ? V6B : V4B,
                    SourcePort = (ushort)(1000 + flow),
                    Sequence = 5000 + next[flow],
                    Flags = flags,
                    Payload = Enumerable.Range(0, length).Select(_ => (byte)random.Next(256)).ToArray(),
                    Id = (ushort)k,
                };
                next[flow] += (uint)length;
                packets.Add(Build(t));
            }
            List<Written> written = Coalesce(packets);
            List<byte[]> back = written.SelectMany(w => w.Header.GsoType == VirtioNetHeader.GsoNone ? [w.Packet] : SplitBack(w)).ToList();
            for (int flow = 0; flow < flows; flow++)
            {
                ushort port = (ushort)(1000 + flow);
                var expected = packets.Where(p => SourcePort(p) == port).Select(p => (Sequence(p), TcpPayload(p), TcpFlags(p) & Psh));
                var actual = back.Where(p => SourcePort(p) == port).Select(p => (Sequence(p), TcpPayload(p), TcpFlags(p) & Psh));
                if (!expected.SequenceEqual(actual, new TupleComparer()))
                {
                    return false;
                }
            }
            return back.All(p => IpChecksumValid(p) && TransportChecksumValid(p));
        }));
    }

    private static ushort Fold(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (int i = 0; i < header.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        }
        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        return (ushort)~sum;
    }

    private sealed class TupleComparer : IEqualityComparer<(uint, byte[], int)>
    {
        public bool Equals((uint, byte[], int) x, (uint, byte[], int) y) => x.Item1 == y.Item1 && x.Item2.AsSpan().SequenceEqual(y.Item2) && x.Item3 == y.Item3;

        public int GetHashCode((uint, byte[], int) obj) => obj.Item1.GetHashCode();
    }
}
