// TcpHeader against hand-built segments: fields, option iteration (well-formed and hostile), MSS
// get/set/clamp with checksums that still verify, and NAT-style rewrites.
using WgSharp.Router.Packets;

namespace WgSharp.Router.Tests;

public class TcpHeaderTests
{
    private static readonly byte[] SynOptions =
    [
        2, 4, 0x05, 0xb4,             // MSS 1460
        1,                            // NOP
        3, 3, 7,                      // window scale 7
        4, 2,                         // SACK permitted
        8, 10, 0, 0, 0, 1, 0, 0, 0, 0, // timestamps
        0, 0, 0, 0,                   // EOL + padding
    ];

    [Fact]
    public void ParsesFields()
    {
        byte[] segment = TestPackets.Tcp(TestPackets.V4A, TestPackets.V4B, 40000, 443, 0x12, SynOptions, [0xAA, 0xBB]);

        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        Assert.Equal(40000, tcp.SourcePort);
        Assert.Equal(443, tcp.DestinationPort);
        Assert.Equal(0x01020304u, tcp.SequenceNumber);
        Assert.Equal(0x0a0b0c0du, tcp.AcknowledgmentNumber);
        Assert.Equal(11, tcp.DataOffset);
        Assert.Equal(44, tcp.HeaderLength);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, tcp.Flags);
        Assert.True(tcp.IsSyn);
        Assert.Equal(0xfaf0, tcp.Window);
        Assert.Equal(7, tcp.UrgentPointer);
        Assert.Equal(SynOptions, tcp.Options.ToArray());
        Assert.Equal([0xAA, 0xBB], tcp.Payload.ToArray());
        Assert.True(tcp.IsChecksumValidV4(TestPackets.V4A, TestPackets.V4B));
        Assert.False(tcp.IsChecksumValidV4([10, 0, 0, 2], TestPackets.V4B));
    }

    [Fact]
    public void EnumeratesOptionsSkippingNopsAndStoppingAtEnd()
    {
        byte[] segment = TestPackets.Tcp(TestPackets.V4A, TestPackets.V4B, 1, 2, 0x02, SynOptions, []);
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));

        List<(byte Kind, int Offset, byte[] Data)> seen = [];
        TcpOptionEnumerator options = tcp.GetOptions();
        while (options.MoveNext())
        {
            seen.Add((options.Current.Kind, options.Current.Offset, options.Current.Data.ToArray()));
        }

        Assert.False(options.IsMalformed);
        List<(byte, int, byte[])> expected =
            [
                (TcpOption.KindMaximumSegmentSize, 20, new byte[] { 0x05, 0xb4 }),
                (TcpOption.KindWindowScale, 25, new byte[] { 7 }),
                (TcpOption.KindSackPermitted, 28, Array.Empty<byte>()),
                (TcpOption.KindTimestamps, 30, new byte[] { 0, 0, 0, 1, 0, 0, 0, 0 }),
            ];
        Assert.Equal(
            expected,
            seen.Select(s => (s.Kind, s.Offset, s.Data)).ToList(),
            new OptionComparer());
    }

    [Theory]
    [InlineData(new byte[] { 2, 1, 0, 0 })]        // length 1 < 2
    [InlineData(new byte[] { 2, 0, 0, 0 })]        // length 0: would loop forever if trusted
    [InlineData(new byte[] { 1, 1, 1, 8, 40, 0, 0, 0 })] // length runs past the header
    [InlineData(new byte[] { 1, 1, 1, 2 })]        // kind without a length byte
    public void MalformedOptionsEndIterationWithoutThrowing(byte[] options)
    {
        byte[] segment = TestPackets.Tcp(TestPackets.V4A, TestPackets.V4B, 1, 2, 0x02, options, []);
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        TcpOptionEnumerator e = tcp.GetOptions();
        int count = 0;
        while (e.MoveNext())
        {
            count++;
        }
        Assert.Equal(0, count);
        Assert.True(e.IsMalformed);
        Assert.False(tcp.TryGetMss(out _));
        Assert.False(tcp.TrySetMss(1000));
    }

    [Fact]
    public void GetsAndSetsMssKeepingTheChecksumValid()
    {
        byte[] segment = TestPackets.Tcp(TestPackets.V6A, TestPackets.V6B, 1, 2, 0x02, SynOptions, [1, 2, 3]);
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        Assert.True(tcp.TryGetMss(out ushort mss));
        Assert.Equal(1460, mss);

        Assert.True(tcp.TrySetMss(1380));

        Assert.True(tcp.TryGetMss(out mss));
        Assert.Equal(1380, mss);
        Assert.Equal([0x05, 0x64], segment[22..24]);
        Assert.True(TestPackets.NaiveVerifyTransport(segment, TestPackets.V6A, TestPackets.V6B, IpProtocol.Tcp));
    }

    [Fact]
    public void SetsMssAtAnOddOffsetKeepingTheChecksumValid()
    {
        byte[] options = [1, 2, 4, 0x23, 0x28, 1, 1, 0]; // NOP, MSS 9000 at offset 21 (value at odd offset 23)
        byte[] segment = TestPackets.Tcp(TestPackets.V4A, TestPackets.V4B, 1, 2, 0x02, options, [7, 7, 7]);
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        Assert.True(tcp.TryGetMss(out ushort mss));
        Assert.Equal(9000, mss);

        Assert.True(tcp.TryClampMss(1360));

        Assert.True(tcp.TryGetMss(out mss));
        Assert.Equal(1360, mss);
        Assert.True(TestPackets.NaiveVerifyTransport(segment, TestPackets.V4A, TestPackets.V4B, IpProtocol.Tcp));
    }

    [Fact]
    public void ClampLeavesSmallerMssAndMissingOptionAlone()
    {
        byte[] segment = TestPackets.Tcp(TestPackets.V4A, TestPackets.V4B, 1, 2, 0x02, [2, 4, 0x02, 0x18], []);
        byte[] before = (byte[])segment.Clone();
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        Assert.False(tcp.TryClampMss(1360));
        Assert.Equal(before, segment);

        byte[] noOptions = TestPackets.Tcp(TestPackets.V4A, TestPackets.V4B, 1, 2, 0x02, [], []);
        Assert.True(TcpHeader.TryParse(noOptions, out TcpHeader bare));
        Assert.False(bare.TryClampMss(1360));
    }

    [Fact]
    public void PortAndAddressRewritesKeepTheChecksumValid()
    {
        byte[] segment = TestPackets.Tcp(TestPackets.V4A, TestPackets.V4B, 40000, 25, 0x18, [], [1, 2, 3, 4, 5]);
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));

        tcp.RewriteSourcePort(61000);
        tcp.RewriteDestinationPort(2525);
        byte[] newSource = [100, 64, 0, 7];
        tcp.UpdateChecksumForAddressChange(TestPackets.V4A, newSource);

        Assert.Equal(61000, tcp.SourcePort);
        Assert.Equal(2525, tcp.DestinationPort);
        Assert.True(TestPackets.NaiveVerifyTransport(segment, newSource, TestPackets.V4B, IpProtocol.Tcp));
    }

    [Fact]
    public void FullRecomputationMatchesNaive()
    {
        byte[] segment = TestPackets.Tcp(TestPackets.V6A, TestPackets.V6B, 1, 2, 0x10, [], [9, 8, 7]);
        byte[] expected = (byte[])segment.Clone();
        segment[16] = 0x12;
        segment[17] = 0x34;
        Assert.True(TcpHeader.TryParse(segment, out TcpHeader tcp));
        Assert.False(tcp.IsChecksumValidV6(TestPackets.V6A, TestPackets.V6B));
        tcp.UpdateChecksumV6(TestPackets.V6A, TestPackets.V6B);
        Assert.Equal(expected, segment);

        byte[] v4 = TestPackets.Tcp(TestPackets.V4A, TestPackets.V4B, 1, 2, 0x10, [], [9]);
        byte[] v4Expected = (byte[])v4.Clone();
        v4[17] ^= 1;
        Assert.True(TcpHeader.TryParse(v4, out TcpHeader tcp4));
        tcp4.UpdateChecksumV4(TestPackets.V4A, TestPackets.V4B);
        Assert.Equal(v4Expected, v4);
    }

    [Theory]
    [InlineData(19, 0x50)]
    [InlineData(20, 0x40)] // data offset 4
    [InlineData(20, 0x60)] // data offset 6 = 24 bytes > 20
    public void RejectsBadLengths(int length, byte dataOffsetByte)
    {
        byte[] segment = new byte[length];
        if (length > 12)
        {
            segment[12] = dataOffsetByte;
        }
        Assert.False(TcpHeader.TryParse(segment, out _));
    }

    private sealed class OptionComparer : IEqualityComparer<(byte, int, byte[])>
    {
        public bool Equals((byte, int, byte[]) x, (byte, int, byte[]) y) => x.Item1 == y.Item1 && x.Item2 == y.Item2 && x.Item3.SequenceEqual(y.Item3);

        public int GetHashCode((byte, int, byte[]) obj) => HashCode.Combine(obj.Item1, obj.Item2);
    }
}
