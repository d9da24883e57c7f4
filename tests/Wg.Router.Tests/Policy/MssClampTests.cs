// MssClamp: SYN and SYN-ACK over IPv4 and IPv6 (with extension headers) lowered to the auto or fixed
// value with checksums verified by full naive recomputation; everything that must be left alone is
// byte-for-byte unchanged; and random option layouts never throw and never raise an MSS.
using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using static WgSharp.Router.Tests.Policy.PolicyPackets;

namespace WgSharp.Router.Tests.Policy;

public class MssClampTests
{
    private static readonly byte[] LinuxSynOptions =
    [
        2, 4, 0x05, 0xb4,              // MSS 1460
        4, 2,                          // SACK permitted
        8, 10, 0, 0, 0, 1, 0, 0, 0, 0, // timestamps
        1,                             // NOP
        3, 3, 7,                       // window scale 7
    ];

    private static byte[] Mss(ushort mss) => [2, 4, (byte)(mss >> 8), (byte)mss];

    private static ushort[] MssValues(byte[] packet)
    {
        PacketSummary summary = Summary(packet);
        Span<byte> segment = packet.AsSpan(summary.TransportOffset, summary.Length - summary.TransportOffset);
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        List<ushort> values = [];
        foreach (TcpOption option in tcp.GetOptions())
        {
            if (option.Kind == TcpOption.KindMaximumSegmentSize && option.Data.Length == 2)
            {
                values.Add(BinaryPrimitives.ReadUInt16BigEndian(option.Data));
            }
        }
        return [.. values];
    }

    /// <summary>Full recomputation with the naive test checksum over the pseudo header and the whole segment.</summary>
    private static bool ChecksumValid(byte[] packet)
    {
        PacketSummary summary = Summary(packet);
        byte[] segment = packet[summary.TransportOffset..summary.Length];
        return packet[0] >> 4 == 4
            ? TestPackets.NaiveVerifyTransport(segment, packet[12..16], packet[16..20], Tcp)
            : TestPackets.NaiveVerifyTransport(segment, packet[8..24], packet[24..40], Tcp);
    }

    [Theory]
    [InlineData("192.168.2.10", "203.0.113.5", Syn, 1380)]
    [InlineData("203.0.113.5", "192.168.2.10", Syn | Ack, 1380)]
    [InlineData("fd00::10", "2001:db8::5", Syn, 1360)]
    [InlineData("2001:db8::5", "fd00::10", Syn | Ack, 1360)]
    public void AutoClampsSynAndSynAckOfBothFamilies(string src, string dst, byte flags, int expected)
    {
        byte[] packet = TcpPacket(src, dst, 40000, 443, flags, LinuxSynOptions, [0xAB]);
        byte[] before = (byte[])packet.Clone();

        Assert.True(MssClamp.ForMtu(1420).TryClamp(packet));

        Assert.Equal([(ushort)expected], MssValues(packet));
        Assert.True(ChecksumValid(packet));
        int changed = Enumerable.Range(0, packet.Length).Count(i => packet[i] != before[i]);
        Assert.InRange(changed, 1, 4); // two MSS bytes and two checksum bytes at most
    }

    [Fact]
    public void ClampsBehindIpv6ExtensionHeaders()
    {
        byte[] tcp = TestPackets.Tcp(Address("fd00::1"), Address("fd00::2"), 1, 2, Syn, Mss(1440), []);
        byte[] packet = Ip(Tcp, "fd00::1", "fd00::2", tcp, [.. OptionsHeader(60), .. OptionsHeader(Tcp)], firstNextHeader: 0);

        Assert.True(MssClamp.ForMtu(1420).TryClamp(packet));
        Assert.Equal([(ushort)1360], MssValues(packet));
        Assert.True(ChecksumValid(packet));
    }

    [Fact]
    public void ClampsAnOptionAtAnOddOffsetAndEveryMssOption()
    {
        byte[] options = [1, .. Mss(9000), 1, 1, 1, .. Mss(1200), .. Mss(1500)];
        byte[] packet = TcpPacket("10.0.0.1", "10.0.0.2", 1, 2, Syn, options);

        Assert.True(MssClamp.TryClamp(packet, 1380));

        Assert.Equal([(ushort)1380, (ushort)1200, (ushort)1380], MssValues(packet));
        Assert.True(ChecksumValid(packet));
    }

    [Fact]
    public void FixedValueAppliesToBothFamilies()
    {
        MssClamp clamp = MssClamp.Fixed(1300);
        Assert.Equal(1300, clamp.MaximumV4);
        Assert.Equal(1300, clamp.MaximumV6);
        byte[] v4 = TcpPacket("10.0.0.1", "10.0.0.2", 1, 2, Syn, Mss(1460));
        byte[] v6 = TcpPacket("fd00::1", "fd00::2", 1, 2, Syn, Mss(1440));
        Assert.True(clamp.TryClamp(v4));
        Assert.True(clamp.TryClamp(v6, Summary(v6)));
        Assert.Equal([(ushort)1300], MssValues(v4));
        Assert.Equal([(ushort)1300], MssValues(v6));
        Assert.True(ChecksumValid(v4));
        Assert.True(ChecksumValid(v6));
    }

    public static TheoryData<string, byte[]> Untouched => new()
    {
        { "MSS already smaller", TcpPacket("10.0.0.1", "10.0.0.2", 1, 2, Syn, Mss(1200)) },
        { "MSS equal to the clamp", TcpPacket("10.0.0.1", "10.0.0.2", 1, 2, Syn, Mss(1380)) },
        { "no MSS option", TcpPacket("10.0.0.1", "10.0.0.2", 1, 2, Syn, [1, 1, 3, 3, 7, 0, 0, 0]) },
        { "no options", TcpPacket("fd00::1", "fd00::2", 1, 2, Syn) },
        { "not a SYN", TcpPacket("10.0.0.1", "10.0.0.2", 1, 2, Ack, Mss(1460)) },
        { "SYN with RST", TcpPacket("10.0.0.1", "10.0.0.2", 1, 2, Syn | 0x04, Mss(1460)) },
        { "MSS with a wrong length", TcpPacket("10.0.0.1", "10.0.0.2", 1, 2, Syn, [2, 3, 0x05, 1, 0, 0, 0, 0]) },
        { "MSS after a malformed option", TcpPacket("10.0.0.1", "10.0.0.2", 1, 2, Syn, [5, 1, 0, 0, .. Mss(1460)]) },
        { "UDP", UdpPacket("10.0.0.1", "10.0.0.2", 1, 2, [0, 0x12, 0x02, 4, 5, 0xb4, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0, 0, 0, 0, 0, 2, 4, 5, 0xb4]) },
        { "IPv4 later fragment", AsV4Fragment(TcpPacket("10.0.0.1", "10.0.0.2", 1, 2, Syn, Mss(1460)), 16, more: false) },
        { "IPv6 later fragment", Ip(Tcp, "fd00::1", "fd00::2", TestPackets.Tcp(Address("fd00::1"), Address("fd00::2"), 1, 2, Syn, Mss(1460), []),
            FragmentHeader(Tcp, 8, more: false), firstNextHeader: 44) },
        { "truncated TCP header", Ip(Tcp, "10.0.0.1", "10.0.0.2", TestPackets.Tcp(Address("10.0.0.1"), Address("10.0.0.2"), 1, 2, Syn, Mss(1460), [])[..22]) },
    };

    [Theory]
    [MemberData(nameof(Untouched))]
    public void LeavesAlone(string what, byte[] packet)
    {
        byte[] before = (byte[])packet.Clone();
        Assert.False(MssClamp.ForMtu(1420).TryClamp(packet), what);
        Assert.Equal(before, packet);
    }

    [Fact]
    public void FirstFragmentOfASynIsClamped()
    {
        byte[] packet = AsV4Fragment(TcpPacket("10.0.0.1", "10.0.0.2", 1, 2, Syn, Mss(1460), new byte[16]), 0, more: true);
        Assert.True(MssClamp.ForMtu(1420).TryClamp(packet));
        Assert.Equal([(ushort)1380], MssValues(packet));
        Assert.True(ChecksumValid(packet));
    }

    [Fact]
    public void OffClampsNothingAndSettingsAreValidated()
    {
        byte[] packet = TcpPacket("10.0.0.1", "10.0.0.2", 1, 2, Syn, Mss(9000));
        Assert.False(MssClamp.Off.IsEnabled);
        Assert.False(MssClamp.Off.TryClamp(packet));
        Assert.False(default(MssClamp).TryClamp(packet, Summary(packet)));
        Assert.Equal([(ushort)9000], MssValues(packet));

        Assert.Equal(MssClamp.ForMtu(1420), MssClamp.ForMtu(1420));
        Assert.Equal(1380, MssClamp.ForMtu(1420).MaximumV4);
        Assert.Equal(1360, MssClamp.ForMtu(1420).MaximumV6);
        Assert.Throws<ArgumentOutOfRangeException>(() => MssClamp.ForMtu(67));
        Assert.Throws<ArgumentOutOfRangeException>(() => MssClamp.ForMtu(65536));
        Assert.Throws<ArgumentOutOfRangeException>(() => MssClamp.Fixed(0));
    }

    [Fact]
    public void RandomOptionLayoutsNeverThrowNeverRaiseAndKeepTheChecksum()
    {
        // Option bytes built from real option shapes (some MSS, some malformed) or pure noise, padded to
        // a multiple of 4 up to the 40-byte maximum; random SYN/ACK/RST flags; IPv4 or IPv6.
        Gen<byte[]> mss = Generators.UInt16.Select(v => Mss(v));
        Gen<byte[]> piece = Gen.OneOf(
            mss, mss,
            Gen.Constant(new byte[] { 1 }),
            Gen.Constant(new byte[] { 0 }),
            Generators.Bytes(1, 6),
            Generators.Zip(Generators.Byte, Generators.Byte, Generators.Bytes(0, 8)).Select(t => (byte[])[t.Item1, t.Item2, .. t.Item3]));
        Gen<byte[]> options = Gen.ListOf(piece).Select(pieces =>
        {
            byte[] all = [.. pieces.SelectMany(p => p).Take(40)];
            return (byte[])[.. all, .. new byte[(4 - (all.Length % 4)) % 4]];
        });
        Gen<(byte[] Options, byte Flags, bool V6, ushort Maximum)> cases = Generators.Zip(
            options,
            Gen.Elements<byte>(Syn, Syn | Ack, Syn | 0x04, Ack, 0xFF),
            Gen.Elements(false, true),
            Generators.UInt16).Select(t => (t.Item1, t.Item2, t.Item3, t.Item4));

        Generators.Check(Prop.ForAll(Arb.From(cases), c =>
        {
            byte[] packet = c.V6
                ? TcpPacket("fd00::1", "fd00::2", 1, 2, c.Flags, c.Options, [1, 2, 3])
                : TcpPacket("10.0.0.1", "10.0.0.2", 1, 2, c.Flags, c.Options, [1, 2, 3]);
            ushort[] before = MssValues(packet);
            byte[] original = (byte[])packet.Clone();

            bool changed = MssClamp.TryClamp(packet, c.Maximum);

            ushort[] after = MssValues(packet);
            bool isSyn = (c.Flags & 0x06) == Syn;
            bool expectChange = isSyn && before.Any(v => v > c.Maximum);
            return changed == expectChange
                && after.Length == before.Length
                && after.Zip(before).All(p => p.First <= p.Second && p.First == (isSyn ? Math.Min(p.Second, c.Maximum) : p.Second))
                && ChecksumValid(packet)
                && (changed || packet.AsSpan().SequenceEqual(original));
        }), 3000);
    }

    [Fact]
    public void RandomBytesNeverThrow()
    {
        Generators.Check(Prop.ForAll(Arb.From(Generators.Zip(Generators.Bytes(0, 100), Gen.Elements(0x45, 0x46, 0x60))), t =>
        {
            byte[] packet = t.Item1;
            if (packet.Length >= 40)
            {
                packet[0] = (byte)t.Item2;
                packet[9] = Tcp;
                packet[6] = t.Item2 == 0x60 ? Tcp : (byte)0;
                packet[7] = 0;
                packet[2] = 0;
                packet[3] = (byte)packet.Length;
                packet[4] = 0;
                packet[5] = (byte)(packet.Length - 40);
                packet[33] |= Syn;
            }
            MssClamp.TryClamp(packet, 536);
            return true;
        }), 3000);
    }
}
