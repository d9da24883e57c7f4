// PacketSummary against hand-built packets: addresses, protocol, ports, TCP flags, ICMP fields, IPv6
// extension headers, fragments of both families, and the truncated headers it must refuse.
using FsCheck;
using FsCheck.Fluent;
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using WgSharp.Router.Routing;
using static WgSharp.Router.Tests.Policy.PolicyPackets;

namespace WgSharp.Router.Tests.Policy;

public class PacketSummaryTests
{
    [Fact]
    public void ReadsIpv4Tcp()
    {
        byte[] packet = TcpPacket("10.0.0.1", "192.168.7.42", 40000, 443, Syn | Ack, [2, 4, 5, 0xb4], [1, 2, 3]);
        byte[] withTrailer = [.. packet, 0xEE, 0xEE, 0xEE];

        PacketSummary s = Summary(withTrailer);

        Assert.Equal(IpFamily.V4, s.Family);
        Assert.Equal(IpAddressKey.Parse("10.0.0.1"), s.Source);
        Assert.Equal(IpAddressKey.Parse("192.168.7.42"), s.Destination);
        Assert.Equal(packet.Length, s.Length);
        Assert.Equal(Tcp, s.Protocol);
        Assert.Equal(20, s.TransportOffset);
        Assert.True(s.HasTransportHeader);
        Assert.True(s.HasPorts);
        Assert.Equal(40000, s.SourcePort);
        Assert.Equal(443, s.DestinationPort);
        Assert.Equal(TcpFlags.Syn | TcpFlags.Ack, s.TcpFlags);
        Assert.False(s.IsFragment);
        Assert.False(s.IsNonFirstFragment);
        Assert.False(s.IsIcmp);
    }

    [Fact]
    public void ReadsIpv4OptionsAndUdp()
    {
        byte[] udp = TestPackets.Udp(Address("10.0.0.1"), Address("10.0.0.2"), 5353, 53, [7]);
        byte[] packet = TestPackets.Ipv4(Udp, Address("10.0.0.1"), Address("10.0.0.2"), udp, options: [1, 1, 1, 0]);

        PacketSummary s = Summary(packet);

        Assert.Equal(24, s.TransportOffset);
        Assert.Equal(Udp, s.Protocol);
        Assert.Equal(5353, s.SourcePort);
        Assert.Equal(53, s.DestinationPort);
        Assert.Equal(TcpFlags.None, s.TcpFlags);
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.2")]
    [InlineData("fd00::1", "fd00::2")]
    public void ReadsIcmpEcho(string src, string dst)
    {
        PacketSummary s = Summary(EchoPacket(src, dst, 0x4242));

        Assert.True(s.IsIcmp);
        Assert.True(s.HasTransportHeader);
        Assert.False(s.HasPorts);
        Assert.Equal(IsV6(src) ? 128 : 8, s.IcmpType);
        Assert.Equal(0, s.IcmpCode);
        Assert.Equal(0x4242, s.IcmpIdentifier);
    }

    [Fact]
    public void IcmpErrorHasNoIdentifier()
    {
        byte[] quoted = TcpPacket("10.0.0.2", "10.0.0.1", 1, 2)[..28];
        byte[] packet = Ip(Icmp, "10.0.0.9", "10.0.0.2", TestPackets.Icmp(3, 13, 0x0000_1234, quoted));

        PacketSummary s = Summary(packet);

        Assert.True(s.IsIcmp);
        Assert.Equal(3, s.IcmpType);
        Assert.Equal(13, s.IcmpCode);
        Assert.Equal(0, s.IcmpIdentifier);
    }

    [Fact]
    public void SeesThroughIpv6ExtensionHeaders()
    {
        byte[] tcp = TestPackets.Tcp(Address("fd00::1"), Address("2001:db8::beef"), 1234, 25, Syn, [], []);
        byte[] extensions = [.. OptionsHeader(60), .. OptionsHeader(Tcp)]; // hop-by-hop → destination options → TCP
        byte[] packet = Ip(Tcp, "fd00::1", "2001:db8::beef", tcp, extensions, firstNextHeader: 0);

        PacketSummary s = Summary(packet);

        Assert.Equal(IpFamily.V6, s.Family);
        Assert.Equal(IpAddressKey.Parse("2001:db8::beef"), s.Destination);
        Assert.Equal(Tcp, s.Protocol);
        Assert.Equal(56, s.TransportOffset);
        Assert.Equal(25, s.DestinationPort);
        Assert.Equal(TcpFlags.Syn, s.TcpFlags);
    }

    [Fact]
    public void Ipv4FirstAndLaterFragments()
    {
        PacketSummary first = Summary(AsV4Fragment(UdpPacket("10.0.0.1", "10.0.0.2", 1000, 53), 0, more: true));
        Assert.True(first.IsFragment);
        Assert.True(first.IsFirstFragment);
        Assert.True(first.HasPorts);
        Assert.Equal(53, first.DestinationPort);

        PacketSummary later = Summary(AsV4Fragment(UdpPacket("10.0.0.1", "10.0.0.2", 1000, 53), 16, more: false));
        Assert.True(later.IsFragment);
        Assert.True(later.IsNonFirstFragment);
        Assert.False(later.IsFirstFragment);
        Assert.Equal(16, later.FragmentOffset);
        Assert.Equal(Udp, later.Protocol);
        Assert.False(later.HasTransportHeader);
        Assert.False(later.HasPorts);
        Assert.Equal(0, later.DestinationPort);
    }

    [Fact]
    public void Ipv6Fragments()
    {
        byte[] udp = TestPackets.Udp(Address("fd00::1"), Address("fd00::2"), 1000, 53, [1, 2, 3, 4]);

        PacketSummary first = Summary(Ip(Udp, "fd00::1", "fd00::2", udp, FragmentHeader(Udp, 0, more: true), firstNextHeader: 44));
        Assert.True(first.IsFirstFragment);
        Assert.Equal(53, first.DestinationPort);

        PacketSummary later = Summary(Ip(Udp, "fd00::1", "fd00::2", udp, FragmentHeader(Udp, 1232, more: true), firstNextHeader: 44));
        Assert.True(later.IsNonFirstFragment);
        Assert.Equal(1232, later.FragmentOffset);
        Assert.Equal(Udp, later.Protocol);
        Assert.False(later.HasPorts);

        PacketSummary atomic = Summary(Ip(Udp, "fd00::1", "fd00::2", udp, FragmentHeader(Udp, 0, more: false), firstNextHeader: 44));
        Assert.False(atomic.IsFragment);
        Assert.True(atomic.HasPorts);
    }

    [Fact]
    public void OtherProtocolsHaveNoTransportFields()
    {
        PacketSummary gre = Summary(Ip(47, "10.0.0.1", "10.0.0.2", [0, 0, 0x08, 0, 1, 2, 3, 4]));
        Assert.Equal(47, gre.Protocol);
        Assert.False(gre.HasTransportHeader);
        Assert.False(gre.HasPorts);

        // Protocol 1 inside IPv6 is not ICMPv6: no ICMP fields.
        PacketSummary v4IcmpInV6 = Summary(Ip(Icmp, "fd00::1", "fd00::2", [8, 0, 0, 0, 0, 1, 0, 1]));
        Assert.False(v4IcmpInV6.IsIcmp);
        Assert.False(v4IcmpInV6.HasTransportHeader);
    }

    [Theory]
    [InlineData("10.0.0.1", "10.0.0.2")]
    [InlineData("fd00::1", "fd00::2")]
    public void RefusesCutShortTransportHeaders(string src, string dst)
    {
        byte[] tcp = TestPackets.Tcp(Address(src), Address(dst), 1, 2, Syn, [2, 4, 5, 0xb4], []);
        Assert.False(PacketSummary.TryParse(Ip(Tcp, src, dst, tcp[..19]), out _));
        Assert.False(PacketSummary.TryParse(Ip(Tcp, src, dst, tcp[..22]), out _)); // data offset says 24
        byte[] badOffset = (byte[])tcp.Clone();
        badOffset[12] = 0x40; // 16 bytes: below the minimum
        Assert.False(PacketSummary.TryParse(Ip(Tcp, src, dst, badOffset), out _));
        Assert.False(PacketSummary.TryParse(Ip(Udp, src, dst, [0, 1, 0, 2, 0, 7, 0]), out _));
        Assert.False(PacketSummary.TryParse(Ip(IsV6(src) ? IcmpV6 : Icmp, src, dst, [8, 0, 0, 0, 0, 1, 0]), out _));
        Assert.False(PacketSummary.TryParse(Ip(132, src, dst, new byte[11]), out _)); // SCTP common header is 12
        Assert.True(PacketSummary.TryParse(Ip(132, src, dst, new byte[12]), out PacketSummary sctp));
        Assert.True(sctp.HasPorts);
    }

    [Fact]
    public void RefusesTcpFragmentOverlappingTheFlags()
    {
        // RFC 1858 3.2: an IPv4 TCP fragment at offset 8 can rewrite the flags of the first.
        byte[] packet = AsV4Fragment(TcpPacket("10.0.0.1", "10.0.0.2", 1, 2), 8, more: false);
        Assert.False(PacketSummary.TryParse(packet, out _));
        Assert.True(PacketSummary.TryParse(AsV4Fragment(TcpPacket("10.0.0.1", "10.0.0.2", 1, 2), 16, more: false), out _));
    }

    [Fact]
    public void RefusesMalformedIpHeaders()
    {
        byte[] packet = TcpPacket("10.0.0.1", "10.0.0.2", 1, 2);
        Assert.False(PacketSummary.TryParse([], out _));
        Assert.False(PacketSummary.TryParse(packet[..19], out _));
        Assert.False(PacketSummary.TryParse(packet[..^1], out _)); // total length past the buffer
        byte[] version5 = (byte[])packet.Clone();
        version5[0] = 0x55;
        Assert.False(PacketSummary.TryParse(version5, out _));

        // IPv6: an extension header running past the packet, and a chain longer than the walker allows.
        byte[] udp = TestPackets.Udp(Address("fd00::1"), Address("fd00::2"), 1, 2, []);
        Assert.False(PacketSummary.TryParse(Ip(Udp, "fd00::1", "fd00::2", [], [60, 5, 1, 4, 0, 0, 0, 0], firstNextHeader: 0), out _));
        byte[] chain = [.. Enumerable.Range(0, 12).SelectMany(i => OptionsHeader(i == 11 ? Udp : (byte)60))];
        Assert.False(PacketSummary.TryParse(Ip(Udp, "fd00::1", "fd00::2", udp, chain, firstNextHeader: 60), out _));
    }

    [Fact]
    public void HostileBytesNeverThrow()
    {
        Gen<byte[]> packets = Generators.Bytes(0, 120).SelectMany(bytes => Gen.Elements(4, 6).Select(version =>
        {
            if (bytes.Length > 0)
            {
                bytes[0] = (byte)((version << 4) | (bytes[0] & 0x0F));
            }
            if (bytes.Length >= 6 && version == 6)
            {
                bytes[4] = 0;
                bytes[5] = (byte)Math.Max(0, bytes.Length - 40);
            }
            if (bytes.Length >= 4 && version == 4)
            {
                bytes[2] = 0;
                bytes[3] = (byte)bytes.Length;
            }
            return bytes;
        }));
        Generators.Check(Prop.ForAll(Arb.From(packets), packet =>
        {
            if (PacketSummary.TryParse(packet, out PacketSummary s))
            {
                return s.Length <= packet.Length && s.TransportOffset <= s.Length && (!s.HasPorts || s.HasTransportHeader);
            }
            return true;
        }), 3000);
    }
}
