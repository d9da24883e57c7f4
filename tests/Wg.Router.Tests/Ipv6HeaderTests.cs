// Ipv6Header against hand-built packets: fields, trailing bytes, hostile lengths, and the bounded
// extension-header walk (Hop-by-Hop, Routing, Fragment, Destination Options, AH).
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Tests;

public class Ipv6HeaderTests
{
    internal static byte[] HopByHop(byte next) => [next, 0, 1, 4, 0, 0, 0, 0];

    internal static byte[] RoutingHeader(byte next) => [next, 0, 4, 0, 0, 0, 0, 0];

    internal static byte[] DestinationOptions16(byte next) => [next, 1, 1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

    internal static byte[] Fragment(byte next, int offsetBytes, bool more) =>
        [next, 0, (byte)((offsetBytes / 8) >> 5), (byte)((((offsetBytes / 8) & 0x1F) << 3) | (more ? 1 : 0)), 0xde, 0xad, 0xbe, 0xef];

    internal static byte[] AuthenticationHeader24(byte next) => [next, 4, 0, 0, .. new byte[20]];

    [Fact]
    public void ParsesFieldsOfAHandBuiltPacket()
    {
        byte[] payload = TestPackets.Udp(TestPackets.V6A, TestPackets.V6B, 5000, 53, [1, 2, 3]);
        byte[] packet = TestPackets.Ipv6(IpProtocol.Udp, TestPackets.V6A, TestPackets.V6B, payload, hopLimit: 9);

        Assert.True(Ipv6Header.TryParse(packet, out Ipv6Header ip));
        Assert.Equal(0x12, ip.TrafficClass);
        Assert.Equal(0x34567, ip.FlowLabel);
        Assert.Equal(payload.Length, ip.PayloadLength);
        Assert.Equal(IpProtocol.Udp, ip.NextHeader);
        Assert.Equal(9, ip.HopLimit);
        Assert.Equal(TestPackets.V6A, ip.Source.ToArray());
        Assert.Equal(TestPackets.V6B, ip.Destination.ToArray());
        Assert.Equal(IpAddressKey.Parse("fd00::1"), ip.SourceAddress);
        Assert.Equal(IpAddressKey.Parse("2001:db8::beef"), ip.DestinationAddress);
        Assert.Equal(payload, ip.Payload.ToArray());
        Assert.True(ip.TryFindUpperLayer(out Ipv6UpperLayer upper));
        Assert.Equal(IpProtocol.Udp, upper.Protocol);
        Assert.Equal(40, upper.Offset);
        Assert.False(upper.HasFragmentHeader);
        Assert.True(upper.HasTransportHeader);
    }

    [Fact]
    public void TrimsTrailingBytesAndRejectsShortOnes()
    {
        byte[] packet = TestPackets.Ipv6(IpProtocol.Udp, TestPackets.V6A, TestPackets.V6B, new byte[12]);
        Assert.True(Ipv6Header.TryParse([.. packet, 1, 2, 3], out Ipv6Header ip));
        Assert.Equal(packet.Length, ip.Packet.Length);
        Assert.False(Ipv6Header.TryParse(packet.AsSpan(0, packet.Length - 1), out _));
        Assert.False(Ipv6Header.TryParse(packet.AsSpan(0, 39), out _));
        packet[0] = 0x45;
        Assert.False(Ipv6Header.TryParse(packet, out _));
    }

    [Fact]
    public void WalksAllCommonExtensionHeadersToTheTransport()
    {
        byte[] tcp = TestPackets.Tcp(TestPackets.V6A, TestPackets.V6B, 1, 2, 0x02, [], []);
        byte[] payload =
        [
            .. HopByHop(IpProtocol.DestinationOptions),
            .. DestinationOptions16(IpProtocol.Routing),
            .. RoutingHeader(IpProtocol.Fragment),
            .. Fragment(IpProtocol.AuthenticationHeader, 0, more: true),
            .. AuthenticationHeader24(IpProtocol.DestinationOptions),
            .. DestinationOptions16(IpProtocol.Tcp),
            .. tcp,
        ];
        byte[] packet = TestPackets.Ipv6(IpProtocol.HopByHopOptions, TestPackets.V6A, TestPackets.V6B, payload);

        Assert.True(Ipv6Header.TryParse(packet, out Ipv6Header ip));
        Assert.True(ip.TryFindUpperLayer(out Ipv6UpperLayer upper));
        Assert.Equal(IpProtocol.Tcp, upper.Protocol);
        Assert.Equal(40 + 8 + 16 + 8 + 8 + 24 + 16, upper.Offset);
        Assert.True(upper.HasFragmentHeader);
        Assert.True(upper.IsFragment);
        Assert.True(upper.MoreFragments);
        Assert.Equal(0, upper.FragmentOffset);
        Assert.True(upper.HasTransportHeader);
        Assert.True(TcpHeader.TryParse(ip.Packet[upper.Offset..], out TcpHeader parsed));
        Assert.Equal(2, parsed.DestinationPort);
    }

    [Fact]
    public void NonFirstFragmentStopsTheWalk()
    {
        byte[] payload = [.. Fragment(IpProtocol.Udp, 1232, more: false), .. new byte[16]];
        byte[] packet = TestPackets.Ipv6(IpProtocol.Fragment, TestPackets.V6A, TestPackets.V6B, payload);

        Assert.True(Ipv6Header.TryFindUpperLayer(packet, out Ipv6UpperLayer upper));
        Assert.Equal(IpProtocol.Udp, upper.Protocol);
        Assert.Equal(48, upper.Offset);
        Assert.Equal(1232, upper.FragmentOffset);
        Assert.False(upper.MoreFragments);
        Assert.True(upper.IsFragment);
        Assert.False(upper.HasTransportHeader);
    }

    [Fact]
    public void AtomicFragmentIsNotAFragment()
    {
        byte[] payload = [.. Fragment(IpProtocol.Udp, 0, more: false), .. new byte[8]];
        byte[] packet = TestPackets.Ipv6(IpProtocol.Fragment, TestPackets.V6A, TestPackets.V6B, payload);
        Assert.True(Ipv6Header.TryFindUpperLayer(packet, out Ipv6UpperLayer upper));
        Assert.True(upper.HasFragmentHeader);
        Assert.False(upper.IsFragment);
        Assert.True(upper.HasTransportHeader);
    }

    [Fact]
    public void NoNextHeaderAndEspEndTheWalk()
    {
        byte[] none = TestPackets.Ipv6(IpProtocol.HopByHopOptions, TestPackets.V6A, TestPackets.V6B, HopByHop(IpProtocol.NoNextHeader));
        Assert.True(Ipv6Header.TryFindUpperLayer(none, out Ipv6UpperLayer a));
        Assert.Equal(IpProtocol.NoNextHeader, a.Protocol);
        Assert.Equal(48, a.Offset);

        byte[] esp = TestPackets.Ipv6(IpProtocol.Esp, TestPackets.V6A, TestPackets.V6B, new byte[16]);
        Assert.True(Ipv6Header.TryFindUpperLayer(esp, out Ipv6UpperLayer b));
        Assert.Equal(IpProtocol.Esp, b.Protocol);
    }

    [Fact]
    public void ExtensionHeaderRunningPastThePacketFails()
    {
        byte[] payload = [IpProtocol.Tcp, 3, 0, 0, 0, 0, 0, 0]; // claims 32 bytes, has 8
        byte[] packet = TestPackets.Ipv6(IpProtocol.DestinationOptions, TestPackets.V6A, TestPackets.V6B, payload);
        Assert.False(Ipv6Header.TryFindUpperLayer(packet, out _));

        byte[] onlyOneByte = TestPackets.Ipv6(IpProtocol.Routing, TestPackets.V6A, TestPackets.V6B, [IpProtocol.Tcp]);
        Assert.False(Ipv6Header.TryFindUpperLayer(onlyOneByte, out _));

        byte[] shortFragment = TestPackets.Ipv6(IpProtocol.Fragment, TestPackets.V6A, TestPackets.V6B, [IpProtocol.Tcp, 0, 0, 0]);
        Assert.False(Ipv6Header.TryFindUpperLayer(shortFragment, out _));
    }

    [Fact]
    public void WalkIgnoresTrailingBytesBeyondPayloadLength()
    {
        // Payload length 0, so the Hop-by-Hop header lives only in trailing garbage.
        byte[] packet = [.. TestPackets.Ipv6(IpProtocol.HopByHopOptions, TestPackets.V6A, TestPackets.V6B, []), .. HopByHop(IpProtocol.Tcp)];
        Assert.False(Ipv6Header.TryFindUpperLayer(packet, out _));
    }

    [Fact]
    public void ChainLongerThanTheBoundFails()
    {
        byte[] Chain(int count)
        {
            List<byte> payload = [];
            for (int i = 0; i < count; i++)
            {
                payload.AddRange(DestinationOptions16(i == count - 1 ? IpProtocol.Udp : IpProtocol.DestinationOptions));
            }
            payload.AddRange(new byte[8]);
            return TestPackets.Ipv6(IpProtocol.DestinationOptions, TestPackets.V6A, TestPackets.V6B, [.. payload]);
        }

        Assert.True(Ipv6Header.TryFindUpperLayer(Chain(Ipv6Header.MaxExtensionHeaders), out Ipv6UpperLayer ok));
        Assert.Equal(IpProtocol.Udp, ok.Protocol);
        Assert.False(Ipv6Header.TryFindUpperLayer(Chain(Ipv6Header.MaxExtensionHeaders + 1), out _));
    }

    [Fact]
    public void DecrementsHopLimitAndRefusesAtOne()
    {
        byte[] packet = TestPackets.Ipv6(IpProtocol.Udp, TestPackets.V6A, TestPackets.V6B, new byte[8], hopLimit: 2);
        Assert.True(Ipv6Header.TryParse(packet, out Ipv6Header ip));
        Assert.True(ip.TryDecrementHopLimit());
        Assert.Equal(1, packet[7]);
        Assert.False(ip.TryDecrementHopLimit());
    }

    [Fact]
    public void TruncatedParseAcceptsAQuotedPacketCutShort()
    {
        byte[] packet = TestPackets.Ipv6(IpProtocol.Udp, TestPackets.V6A, TestPackets.V6B, new byte[200]);
        Assert.False(Ipv6Header.TryParse(packet.AsSpan(0, 60), out _));
        Assert.True(Ipv6Header.TryParseTruncated(packet.AsSpan(0, 60), out Ipv6Header ip));
        Assert.True(ip.IsTruncated);
        Assert.Equal(20, ip.Payload.Length);
        Assert.False(Ipv6Header.TryParseTruncated(packet.AsSpan(0, 39), out _));
    }
}
