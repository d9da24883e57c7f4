// Ipv4Header against hand-built packets: fields, options, trailing bytes, truncated and hostile
// lengths, fragments, and checksum-preserving rewrites.
using System.Buffers.Binary;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Tests;

public class Ipv4HeaderTests
{
    [Fact]
    public void ParsesFieldsOfAHandBuiltPacket()
    {
        byte[] payload = [1, 2, 3, 4, 5];
        byte[] packet = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, payload, flagsAndOffset: 0x4000, ttl: 17, id: 0xBEEF);

        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header ip));
        Assert.Equal(5, ip.Ihl);
        Assert.Equal(20, ip.HeaderLength);
        Assert.Equal(25, ip.TotalLength);
        Assert.Equal(0xBEEF, ip.Identification);
        Assert.True(ip.DontFragment);
        Assert.False(ip.MoreFragments);
        Assert.False(ip.IsFragment);
        Assert.True(ip.HasTransportHeader);
        Assert.Equal(17, ip.Ttl);
        Assert.Equal(IpProtocol.Udp, ip.Protocol);
        Assert.Equal(TestPackets.V4A, ip.Source.ToArray());
        Assert.Equal(TestPackets.V4B, ip.Destination.ToArray());
        Assert.Equal(IpAddressKey.Parse("10.0.0.1"), ip.SourceAddress);
        Assert.Equal(IpAddressKey.Parse("192.168.7.42"), ip.DestinationAddress);
        Assert.Equal(payload, ip.Payload.ToArray());
        Assert.True(ip.Options.IsEmpty);
        Assert.True(ip.IsHeaderChecksumValid);
        Assert.Equal(BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(10)), ip.HeaderChecksum);
    }

    [Fact]
    public void SkipsOptionsUsingIhl()
    {
        byte[] options = [0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00]; // router alert + NOPs + EOL
        byte[] packet = TestPackets.Ipv4(IpProtocol.Tcp, TestPackets.V4A, TestPackets.V4B, [9, 9], options);

        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header ip));
        Assert.Equal(7, ip.Ihl);
        Assert.Equal(options, ip.Options.ToArray());
        Assert.Equal([9, 9], ip.Payload.ToArray());
        Assert.True(ip.IsHeaderChecksumValid);
    }

    [Fact]
    public void TrimsTrailingBytesToTotalLength()
    {
        byte[] packet = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, [1, 2, 3]);
        byte[] withTrailer = [.. packet, 0xEE, 0xEE, 0xEE, 0xEE];

        Assert.True(Ipv4Header.TryParse(withTrailer, out Ipv4Header ip));
        Assert.Equal(packet.Length, ip.Packet.Length);
        Assert.Equal([1, 2, 3], ip.Payload.ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(19)]
    public void RejectsBuffersShorterThanTheFixedHeader(int length)
    {
        byte[] packet = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, []);
        Assert.False(Ipv4Header.TryParse(packet.AsSpan(0, length), out _));
    }

    [Fact]
    public void RejectsTotalLengthBeyondTheBuffer()
    {
        byte[] packet = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, [1, 2, 3, 4]);
        Assert.False(Ipv4Header.TryParse(packet.AsSpan(0, packet.Length - 1), out _));
    }

    [Theory]
    [InlineData(0x44)] // IHL 4 < 5
    [InlineData(0x40)] // IHL 0
    [InlineData(0x4F)] // IHL 15 = 60 bytes > total length
    [InlineData(0x65)] // version 6
    [InlineData(0x05)] // version 0
    public void RejectsBadVersionOrIhl(byte firstByte)
    {
        byte[] packet = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, new byte[8]);
        packet[0] = firstByte;
        Assert.False(Ipv4Header.TryParse(packet, out _));
    }

    [Fact]
    public void RejectsTotalLengthSmallerThanHeader()
    {
        byte[] packet = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, new byte[8]);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), 19);
        Assert.False(Ipv4Header.TryParse(packet, out _));
    }

    [Fact]
    public void ReportsFragments()
    {
        byte[] first = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, new byte[8], flagsAndOffset: 0x2000);
        byte[] middle = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, new byte[8], flagsAndOffset: 0x2000 | 185);
        byte[] last = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, new byte[8], flagsAndOffset: 370);

        Assert.True(Ipv4Header.TryParse(first, out Ipv4Header a));
        Assert.True(a.IsFragment && a.MoreFragments && a.HasTransportHeader);
        Assert.Equal(0, a.FragmentOffset);
        Assert.True(Ipv4Header.TryParse(middle, out Ipv4Header b));
        Assert.True(b.IsFragment && b.MoreFragments && !b.HasTransportHeader);
        Assert.Equal(1480, b.FragmentOffset);
        Assert.True(Ipv4Header.TryParse(last, out Ipv4Header c));
        Assert.True(c.IsFragment && !c.MoreFragments && !c.HasTransportHeader);
        Assert.Equal(2960, c.FragmentOffset);
    }

    [Fact]
    public void DetectsCorruptHeaderChecksumAndRecomputes()
    {
        byte[] packet = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, new byte[8]);
        packet[8] ^= 0x10;
        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header ip));
        Assert.False(ip.IsHeaderChecksumValid);
        ip.UpdateHeaderChecksum();
        Assert.True(ip.IsHeaderChecksumValid);
        Assert.Equal(TestPackets.NaiveChecksum(packet[..10], [0, 0], packet[12..20]), ip.HeaderChecksum);
    }

    [Fact]
    public void AddressRewritesKeepTheHeaderChecksumValid()
    {
        byte[] packet = TestPackets.Ipv4(IpProtocol.Tcp, TestPackets.V4A, TestPackets.V4B, new byte[20]);
        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header ip));

        ip.RewriteSource([100, 64, 3, 9]);
        ip.RewriteDestination([255, 0, 255, 1]);

        Assert.Equal([100, 64, 3, 9], packet[12..16]);
        Assert.Equal([255, 0, 255, 1], packet[16..20]);
        Assert.True(ip.IsHeaderChecksumValid);
        Assert.Equal(TestPackets.NaiveChecksum(packet[..10], [0, 0], packet[12..20]), ip.HeaderChecksum);
    }

    [Fact]
    public void RewriteRejectsWrongAddressLength()
    {
        byte[] packet = TestPackets.Ipv4(IpProtocol.Tcp, TestPackets.V4A, TestPackets.V4B, []);
        Assert.True(Ipv4Header.TryParse(packet, out _));
        Assert.Throws<ArgumentException>(() =>
        {
            Ipv4Header.TryParse(packet, out Ipv4Header ip);
            ip.RewriteSource(TestPackets.V6A);
        });
    }

    [Fact]
    public void DecrementsTtlWithValidChecksumAndRefusesAtOne()
    {
        byte[] packet = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, new byte[8], ttl: 2);
        Assert.True(Ipv4Header.TryParse(packet, out Ipv4Header ip));
        Assert.True(ip.TryDecrementTtl());
        Assert.Equal(1, ip.Ttl);
        Assert.True(ip.IsHeaderChecksumValid);
        Assert.False(ip.TryDecrementTtl());
        Assert.Equal(1, ip.Ttl);
    }

    [Fact]
    public void TruncatedParseAcceptsAQuotedPacketCutShort()
    {
        byte[] packet = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, new byte[100]);
        Span<byte> quoted = packet.AsSpan(0, 28);

        Assert.False(Ipv4Header.TryParse(quoted, out _));
        Assert.True(Ipv4Header.TryParseTruncated(quoted, out Ipv4Header ip));
        Assert.True(ip.IsTruncated);
        Assert.Equal(8, ip.Payload.Length);
        Assert.Equal(120, ip.TotalLength);
        Assert.False(Ipv4Header.TryParseTruncated(packet.AsSpan(0, 19), out _));
    }
}
