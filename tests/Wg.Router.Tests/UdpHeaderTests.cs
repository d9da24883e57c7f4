// UdpHeader against hand-built datagrams: length validation, IPv4/IPv6 checksum rules (zero means
// "none" over IPv4 only), and rewrites that keep a present checksum valid and an absent one absent.
using System.Buffers.Binary;
using WgSharp.Router.Packets;

namespace WgSharp.Router.Tests;

public class UdpHeaderTests
{
    [Fact]
    public void ParsesFieldsAndTrimsToLengthField()
    {
        byte[] datagram = TestPackets.Udp(TestPackets.V4A, TestPackets.V4B, 51820, 53, [1, 2, 3]);
        Assert.True(UdpHeader.TryParse([.. datagram, 0xEE, 0xEE], out UdpHeader udp));
        Assert.Equal(51820, udp.SourcePort);
        Assert.Equal(53, udp.DestinationPort);
        Assert.Equal(11, udp.DatagramLength);
        Assert.Equal(11, udp.Datagram.Length);
        Assert.Equal([1, 2, 3], udp.Payload.ToArray());
        Assert.True(udp.IsChecksumValidV4(TestPackets.V4A, TestPackets.V4B));
    }

    [Theory]
    [InlineData(7, 7)]
    [InlineData(8, 7)]   // length field below the header size
    [InlineData(10, 11)] // length field beyond the buffer
    public void RejectsBadLengths(int bufferLength, int lengthField)
    {
        byte[] datagram = new byte[bufferLength];
        if (bufferLength >= 6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(4), (ushort)lengthField);
        }
        Assert.False(UdpHeader.TryParse(datagram, out _));
    }

    [Fact]
    public void ZeroChecksumMeansNoneOverIpv4ButIsInvalidOverIpv6()
    {
        byte[] datagram = TestPackets.Udp(TestPackets.V6A, TestPackets.V6B, 1, 2, [5]);
        datagram[6] = 0;
        datagram[7] = 0;
        Assert.True(UdpHeader.TryParse(datagram, out UdpHeader udp));
        Assert.True(udp.IsChecksumValidV4(TestPackets.V4A, TestPackets.V4B));
        Assert.False(udp.IsChecksumValidV6(TestPackets.V6A, TestPackets.V6B));
    }

    [Fact]
    public void RewritesKeepPresentChecksumValid()
    {
        byte[] datagram = TestPackets.Udp(TestPackets.V6A, TestPackets.V6B, 1000, 2000, [1, 2, 3, 4, 5, 6, 7]);
        Assert.True(UdpHeader.TryParse(datagram, out UdpHeader udp));
        udp.RewriteSourcePort(3000);
        udp.RewriteDestinationPort(4000);
        byte[] newDestination = TestPackets.V6A.Reverse().ToArray();
        udp.UpdateChecksumForAddressChange(TestPackets.V6B, newDestination);

        Assert.Equal(3000, udp.SourcePort);
        Assert.Equal(4000, udp.DestinationPort);
        Assert.True(TestPackets.NaiveVerifyTransport(datagram, TestPackets.V6A, newDestination, IpProtocol.Udp));
        Assert.True(udp.IsChecksumValidV6(TestPackets.V6A, newDestination));
    }

    [Fact]
    public void RewritesLeaveAbsentChecksumAbsent()
    {
        byte[] datagram = TestPackets.Udp(TestPackets.V4A, TestPackets.V4B, 1000, 2000, [1, 2]);
        datagram[6] = 0;
        datagram[7] = 0;
        Assert.True(UdpHeader.TryParse(datagram, out UdpHeader udp));
        udp.RewriteSourcePort(3000);
        udp.UpdateChecksumForAddressChange(TestPackets.V4A, TestPackets.V4B);
        Assert.Equal(0, udp.Checksum);
        Assert.Equal(3000, udp.SourcePort);
    }

    [Fact]
    public void ComputedZeroIsSentAsAllOnes()
    {
        // Choose the payload word so that the one's complement sum is 0xFFFF, making the checksum 0.
        byte[] datagram = TestPackets.Udp(TestPackets.V4A, TestPackets.V4B, 1, 2, [0, 0]);
        datagram[6] = 0;
        datagram[7] = 0;
        ushort sumWithoutPayload = TestPackets.NaiveSum(TestPackets.PseudoHeaderV4(TestPackets.V4A, TestPackets.V4B, 17, datagram.Length), datagram);
        BinaryPrimitives.WriteUInt16BigEndian(datagram.AsSpan(8), (ushort)~sumWithoutPayload);
        Assert.True(UdpHeader.TryParse(datagram, out UdpHeader udp));

        udp.UpdateChecksumV4(TestPackets.V4A, TestPackets.V4B);

        Assert.Equal(0xFFFF, udp.Checksum);
        Assert.True(udp.IsChecksumValidV4(TestPackets.V4A, TestPackets.V4B));
        udp.UpdateChecksumV6(TestPackets.V6A, TestPackets.V6B);
        Assert.True(udp.IsChecksumValidV6(TestPackets.V6A, TestPackets.V6B));
    }
}
