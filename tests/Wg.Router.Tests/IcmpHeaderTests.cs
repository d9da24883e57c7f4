// IcmpHeader against hand-built ICMPv4/ICMPv6 messages: echo fields, identifier rewrite, error
// classification, MTU of "too big" errors, and the embedded original packet.
using WgSharp.Router.Packets;

namespace WgSharp.Router.Tests;

public class IcmpHeaderTests
{
    [Fact]
    public void ParsesIcmpV4EchoAndRewritesIdentifier()
    {
        byte[] message = TestPackets.Icmp(IcmpTypes.V4.EchoRequest, 0, 0x1234_0007, [1, 2, 3, 4, 5]);
        Assert.True(IcmpHeader.TryParseV4(message, out IcmpHeader icmp));
        Assert.False(icmp.IsV6);
        Assert.True(icmp.IsEchoRequest && icmp.IsEcho && !icmp.IsEchoReply && !icmp.IsError);
        Assert.Equal(0x1234, icmp.Identifier);
        Assert.Equal(7, icmp.SequenceNumber);
        Assert.True(icmp.IsChecksumValidV4);
        Assert.True(icmp.EmbeddedPacket.IsEmpty);

        icmp.RewriteIdentifier(0xBEEF);

        Assert.Equal(0xBEEF, icmp.Identifier);
        Assert.Equal(0xFFFF, TestPackets.NaiveSum(message));
        Assert.True(icmp.IsChecksumValidV4);
    }

    [Fact]
    public void ParsesIcmpV6EchoReplyWithPseudoHeaderChecksum()
    {
        byte[] message = TestPackets.Icmp(IcmpTypes.V6.EchoReply, 0, 0x0001_0002, [9, 9, 9], TestPackets.V6A, TestPackets.V6B);
        Assert.True(IcmpHeader.TryParseV6(message, out IcmpHeader icmp));
        Assert.True(icmp.IsV6 && icmp.IsEchoReply && !icmp.IsError);
        Assert.True(icmp.IsChecksumValidV6(TestPackets.V6A, TestPackets.V6B));
        Assert.False(icmp.IsChecksumValidV6(TestPackets.V6B, TestPackets.V6B));
        icmp.RewriteIdentifier(77);
        Assert.True(icmp.IsChecksumValidV6(TestPackets.V6A, TestPackets.V6B));
        message[10] ^= 0xFF;
        Assert.False(icmp.IsChecksumValidV6(TestPackets.V6A, TestPackets.V6B));
        icmp.UpdateChecksumV6(TestPackets.V6A, TestPackets.V6B);
        Assert.True(icmp.IsChecksumValidV6(TestPackets.V6A, TestPackets.V6B));
    }

    [Fact]
    public void ExposesEmbeddedPacketAndMtuOfErrors()
    {
        byte[] original = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, new byte[40]);
        byte[] message = TestPackets.Icmp(IcmpTypes.V4.DestinationUnreachable, IcmpTypes.V4.CodeFragmentationNeeded, 1400, original[..28]);
        Assert.True(IcmpHeader.TryParseV4(message, out IcmpHeader icmp));
        Assert.True(icmp.IsError);
        Assert.True(icmp.TryGetMtu(out uint mtu));
        Assert.Equal(1400u, mtu);
        Assert.True(Ipv4Header.TryParseTruncated(icmp.EmbeddedPacket, out Ipv4Header inner));
        Assert.Equal(TestPackets.V4B, inner.Destination.ToArray());

        byte[] v6 = TestPackets.Icmp(IcmpTypes.V6.PacketTooBig, 0, 1280, new byte[48], TestPackets.V6A, TestPackets.V6B);
        Assert.True(IcmpHeader.TryParseV6(v6, out IcmpHeader tooBig));
        Assert.True(tooBig.IsError);
        Assert.True(tooBig.TryGetMtu(out mtu));
        Assert.Equal(1280u, mtu);

        byte[] unreachable = TestPackets.Icmp(IcmpTypes.V4.DestinationUnreachable, IcmpTypes.V4.CodeHostUnreachable, 0, []);
        Assert.True(IcmpHeader.TryParseV4(unreachable, out IcmpHeader noMtu));
        Assert.False(noMtu.TryGetMtu(out _));
    }

    [Theory]
    [InlineData(false, 3, true)]
    [InlineData(false, 11, true)]
    [InlineData(false, 5, true)]
    [InlineData(false, 8, false)]
    [InlineData(false, 13, false)]
    [InlineData(true, 1, true)]
    [InlineData(true, 127, true)]
    [InlineData(true, 128, false)]
    [InlineData(true, 135, false)]
    public void ClassifiesErrors(bool v6, byte type, bool isError)
    {
        byte[] message = TestPackets.Icmp(type, 0, 0, []);
        IcmpHeader icmp;
        Assert.True(v6 ? IcmpHeader.TryParseV6(message, out icmp) : IcmpHeader.TryParseV4(message, out icmp));
        Assert.Equal(isError, icmp.IsError);
    }

    [Fact]
    public void RejectsMessagesShorterThanEightBytes()
    {
        Assert.False(IcmpHeader.TryParseV4(new byte[7], out _));
        Assert.False(IcmpHeader.TryParseV6(new byte[7], out _));
    }
}
