// IpPacket helpers: version dispatch, length sanity with trailing bytes, addresses for routing,
// and locating the transport header through IPv4 options / IPv6 extension headers.
using System.Buffers.Binary;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Tests;

public class IpPacketTests
{
    [Fact]
    public void DispatchesOnVersion()
    {
        Assert.Equal(4, IpPacket.GetVersion(TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, [])));
        Assert.Equal(6, IpPacket.GetVersion(TestPackets.Ipv6(IpProtocol.Udp, TestPackets.V6A, TestPackets.V6B, [])));
        Assert.Equal(0, IpPacket.GetVersion([]));
        Assert.Equal(0xF, IpPacket.GetVersion([0xF0]));
    }

    [Fact]
    public void LengthIgnoresTrailingBytesAndRejectsOverlongTotals()
    {
        byte[] v4 = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, new byte[10]);
        Assert.True(IpPacket.TryGetLength([.. v4, 0, 0, 0], out int length));
        Assert.Equal(30, length);
        Assert.False(IpPacket.TryGetLength(v4.AsSpan(0, 29), out _));

        byte[] v6 = TestPackets.Ipv6(IpProtocol.Udp, TestPackets.V6A, TestPackets.V6B, new byte[10]);
        Assert.True(IpPacket.TryGetLength([.. v6, 0], out length));
        Assert.Equal(50, length);
        Assert.False(IpPacket.TryGetLength(v6.AsSpan(0, 49), out _));

        byte[] badIhl = (byte[])v4.Clone();
        badIhl[0] = 0x43;
        Assert.False(IpPacket.TryGetLength(badIhl, out _));
        Assert.False(IpPacket.TryGetLength([0x50, 0, 0, 0], out _));
    }

    [Fact]
    public void ExtractsAddressesForBothFamilies()
    {
        byte[] v4 = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, []);
        Assert.True(IpPacket.TryGetAddresses(v4, out IpAddressKey s4, out IpAddressKey d4));
        Assert.Equal(IpAddressKey.FromV4(TestPackets.V4A), s4);
        Assert.Equal(IpAddressKey.FromV4(TestPackets.V4B), d4);
        Assert.True(IpPacket.TryGetSourceAddress(v4, out ReadOnlySpan<byte> src4));
        Assert.Equal(TestPackets.V4A, src4.ToArray());
        Assert.True(IpPacket.TryGetDestinationAddress(v4, out ReadOnlySpan<byte> dst4));
        Assert.Equal(TestPackets.V4B, dst4.ToArray());

        byte[] v6 = TestPackets.Ipv6(IpProtocol.Udp, TestPackets.V6A, TestPackets.V6B, []);
        Assert.True(IpPacket.TryGetAddresses(v6, out IpAddressKey s6, out IpAddressKey d6));
        Assert.Equal(IpFamily.V6, s6.Family);
        Assert.Equal(IpAddressKey.FromV6(TestPackets.V6A), s6);
        Assert.Equal(IpAddressKey.FromV6(TestPackets.V6B), d6);
        Assert.True(IpPacket.TryGetDestinationAddress(v6, out ReadOnlySpan<byte> dst6));
        Assert.Equal(TestPackets.V6B, dst6.ToArray());

        Assert.False(IpPacket.TryGetAddresses(v6.AsSpan(0, 39), out _, out _));
        Assert.False(IpPacket.TryGetDestinationAddress(v4.AsSpan(0, 19), out _));
    }

    [Fact]
    public void LocatesTransportThroughOptionsAndExtensionHeaders()
    {
        byte[] v4 = TestPackets.Ipv4(IpProtocol.Tcp, TestPackets.V4A, TestPackets.V4B, new byte[20], options: [1, 1, 1, 0]);
        Assert.True(IpPacket.TryGetTransport(v4, out byte protocol, out int offset));
        Assert.Equal(IpProtocol.Tcp, protocol);
        Assert.Equal(24, offset);

        byte[] v6 = TestPackets.Ipv6(IpProtocol.HopByHopOptions, TestPackets.V6A, TestPackets.V6B,
            [.. Ipv6HeaderTests.HopByHop(IpProtocol.Udp), .. new byte[8]]);
        Assert.True(IpPacket.TryGetTransport(v6, out protocol, out offset));
        Assert.Equal(IpProtocol.Udp, protocol);
        Assert.Equal(48, offset);
    }

    [Fact]
    public void NonFirstFragmentsHaveNoTransport()
    {
        byte[] v4 = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, new byte[8], flagsAndOffset: 10);
        Assert.False(IpPacket.TryGetTransport(v4, out _, out _));

        byte[] v6 = TestPackets.Ipv6(IpProtocol.Fragment, TestPackets.V6A, TestPackets.V6B,
            [.. Ipv6HeaderTests.Fragment(IpProtocol.Udp, 8, more: true), .. new byte[8]]);
        Assert.False(IpPacket.TryGetTransport(v6, out _, out _));

        byte[] first = TestPackets.Ipv4(IpProtocol.Udp, TestPackets.V4A, TestPackets.V4B, new byte[8]);
        BinaryPrimitives.WriteUInt16BigEndian(first.AsSpan(6), 0x2000);
        Assert.True(IpPacket.TryGetTransport(first, out _, out _));
    }
}
