// IcmpErrorBuilder: errors parsed back field by field with checksums checked by the naive model,
// quoting limits (576 / 1280), and every "must not answer" rule of RFC 1122 / RFC 1812 / RFC 4443.
using System.Buffers.Binary;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Tests;

public class IcmpErrorBuilderTests
{
    private static readonly byte[] RouterV4 = [10, 5, 0, 2];
    private static readonly byte[] RouterV6 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xfe];

    private static byte[] UdpV4(int payload, byte[]? src = null, byte[]? dst = null, ushort flagsAndOffset = 0) =>
        TestPackets.Ipv4(IpProtocol.Udp, src ?? TestPackets.V4A, dst ?? TestPackets.V4B,
            TestPackets.Udp(src ?? TestPackets.V4A, dst ?? TestPackets.V4B, 4000, 53, new byte[payload]), flagsAndOffset: flagsAndOffset);

    private static byte[] TcpV6(int payload, byte[]? src = null, byte[]? dst = null) =>
        TestPackets.Ipv6(IpProtocol.Tcp, src ?? TestPackets.V6A, dst ?? TestPackets.V6B,
            TestPackets.Tcp(src ?? TestPackets.V6A, dst ?? TestPackets.V6B, 40000, 443, 0x02, [], new byte[payload]));

    [Fact]
    public void V4HostUnreachableParsesBackWithValidChecksums()
    {
        byte[] original = UdpV4(72);
        byte[] buffer = new byte[1500];

        Assert.True(IcmpErrorBuilder.TryWriteDestinationUnreachableV4(original, RouterV4, IcmpTypes.V4.CodeHostUnreachable, 0, buffer, out int written));

        Assert.Equal(28 + original.Length, written);
        byte[] error = buffer[..written];
        Assert.True(Ipv4Header.TryParse(error, out Ipv4Header ip));
        Assert.Equal(written, ip.TotalLength);
        Assert.Equal(IpProtocol.Icmp, ip.Protocol);
        Assert.Equal(64, ip.Ttl);
        Assert.True(ip.DontFragment);
        Assert.False(ip.IsFragment);
        Assert.Equal(RouterV4, ip.Source.ToArray());
        Assert.Equal(TestPackets.V4A, ip.Destination.ToArray());
        Assert.Equal(0xFFFF, TestPackets.NaiveSum(error[..20]));
        Assert.True(IcmpHeader.TryParseV4(ip.Payload, out IcmpHeader icmp));
        Assert.Equal(IcmpTypes.V4.DestinationUnreachable, icmp.Type);
        Assert.Equal(IcmpTypes.V4.CodeHostUnreachable, icmp.Code);
        Assert.Equal(0u, icmp.RestOfHeader);
        Assert.Equal(0xFFFF, TestPackets.NaiveSum(error[20..]));
        Assert.Equal(original, icmp.EmbeddedPacket.ToArray());
    }

    [Fact]
    public void V4QuotesAtMost576BytesInAll()
    {
        byte[] original = UdpV4(1400);
        byte[] buffer = new byte[2000];
        Assert.True(IcmpErrorBuilder.TryWrite(original, IcmpErrorKind.AdministrativelyProhibited, IpAddressKey.FromV4(RouterV4), 0, buffer, out int written));
        Assert.Equal(576, written);
        Assert.Equal(original[..548], buffer[28..576]);
        Assert.Equal(IcmpTypes.V4.CodeAdministrativelyProhibited, buffer[21]);
        Assert.Equal(0xFFFF, TestPackets.NaiveSum(buffer[20..576]));
        Assert.True(Ipv4Header.TryParseTruncated(buffer.AsSpan(28, 548), out Ipv4Header quoted));
        Assert.Equal(original.Length, quoted.TotalLength);
    }

    [Fact]
    public void V4FragmentationNeededCarriesTheNextHopMtu()
    {
        byte[] original = UdpV4(1472, flagsAndOffset: 0x4000);
        byte[] buffer = new byte[576];
        Assert.True(IcmpErrorBuilder.TryWrite(original, IcmpErrorKind.PacketTooBig, IpAddressKey.FromV4(RouterV4), 1420, buffer, out int written));
        Assert.True(IcmpHeader.TryParseV4(buffer.AsSpan(20, written - 20), out IcmpHeader icmp));
        Assert.Equal(IcmpTypes.V4.CodeFragmentationNeeded, icmp.Code);
        Assert.Equal(0, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(24)));
        Assert.True(icmp.TryGetMtu(out uint mtu));
        Assert.Equal(1420u, mtu);
        Assert.True(icmp.IsChecksumValidV4);
    }

    [Theory]
    [InlineData(IcmpTypes.V4.DestinationUnreachable)]
    [InlineData(IcmpTypes.V4.SourceQuench)]
    [InlineData(IcmpTypes.V4.Redirect)]
    [InlineData(IcmpTypes.V4.TimeExceeded)]
    [InlineData(IcmpTypes.V4.ParameterProblem)]
    [InlineData(42)] // unknown types are treated as errors, as Linux does
    public void V4NeverAnswersAnIcmpError(byte type)
    {
        byte[] original = TestPackets.Ipv4(IpProtocol.Icmp, TestPackets.V4A, TestPackets.V4B, TestPackets.Icmp(type, 0, 0, new byte[28]));
        Assert.False(IcmpErrorBuilder.TryWrite(original, IcmpErrorKind.Unreachable, IpAddressKey.FromV4(RouterV4), 0, new byte[576], out int written));
        Assert.Equal(0, written);
    }

    [Fact]
    public void V4AnswersIcmpQueries()
    {
        byte[] echo = TestPackets.Ipv4(IpProtocol.Icmp, TestPackets.V4A, TestPackets.V4B, TestPackets.Icmp(IcmpTypes.V4.EchoRequest, 0, 1, new byte[56]));
        Assert.True(IcmpErrorBuilder.TryWrite(echo, IcmpErrorKind.Unreachable, IpAddressKey.FromV4(RouterV4), 0, new byte[576], out _));

        byte[] typeMissing = TestPackets.Ipv4(IpProtocol.Icmp, TestPackets.V4A, TestPackets.V4B, []);
        Assert.False(IcmpErrorBuilder.TryWrite(typeMissing, IcmpErrorKind.Unreachable, IpAddressKey.FromV4(RouterV4), 0, new byte[576], out _));
    }

    [Theory]
    [InlineData("10.0.0.1", "224.0.0.5", 0, false)]       // multicast destination
    [InlineData("10.0.0.1", "255.255.255.255", 0, false)] // limited broadcast
    [InlineData("0.0.0.0", "10.0.0.9", 0, false)]         // unspecified source
    [InlineData("0.1.2.3", "10.0.0.9", 0, false)]         // "this network"
    [InlineData("127.0.0.1", "10.0.0.9", 0, false)]       // loopback source
    [InlineData("239.1.1.1", "10.0.0.9", 0, false)]       // multicast source
    [InlineData("250.1.1.1", "10.0.0.9", 0, false)]       // class E source
    [InlineData("10.0.0.1", "10.0.0.9", 0x2000 | 1, false)] // non-first fragment
    [InlineData("10.0.0.1", "10.0.0.9", 0x2000, true)]    // first fragment is answered
    [InlineData("10.0.0.1", "10.0.0.9", 0, true)]
    public void V4EligibilityRules(string source, string destination, int flagsAndOffset, bool answered)
    {
        byte[] src = new byte[4];
        byte[] dst = new byte[4];
        IpAddressKey.Parse(source).CopyTo(src);
        IpAddressKey.Parse(destination).CopyTo(dst);
        byte[] original = UdpV4(20, src, dst, (ushort)flagsAndOffset);
        Assert.Equal(answered, IcmpErrorBuilder.TryWrite(original, IcmpErrorKind.Unreachable, IpAddressKey.FromV4(RouterV4), 0, new byte[576], out _));
    }

    [Fact]
    public void V6AddressUnreachableParsesBackWithValidChecksum()
    {
        byte[] original = TcpV6(100);
        byte[] buffer = new byte[1500];

        Assert.True(IcmpErrorBuilder.TryWrite(original, IcmpErrorKind.Unreachable, IpAddressKey.FromV6(RouterV6), 0, buffer, out int written));

        Assert.Equal(48 + original.Length, written);
        byte[] error = buffer[..written];
        Assert.True(Ipv6Header.TryParse(error, out Ipv6Header ip));
        Assert.Equal(written, ip.Packet.Length);
        Assert.Equal(IpProtocol.IcmpV6, ip.NextHeader);
        Assert.Equal(64, ip.HopLimit);
        Assert.Equal(RouterV6, ip.Source.ToArray());
        Assert.Equal(TestPackets.V6A, ip.Destination.ToArray());
        Assert.True(IcmpHeader.TryParseV6(ip.Payload, out IcmpHeader icmp));
        Assert.Equal(IcmpTypes.V6.DestinationUnreachable, icmp.Type);
        Assert.Equal(IcmpTypes.V6.CodeAddressUnreachable, icmp.Code);
        Assert.Equal(0u, icmp.RestOfHeader);
        byte[] message = error[40..];
        Assert.Equal(0xFFFF, TestPackets.NaiveSum(TestPackets.PseudoHeaderV6(RouterV6, TestPackets.V6A, 58, message.Length), message));
        Assert.Equal(original, icmp.EmbeddedPacket.ToArray());
    }

    [Fact]
    public void V6AdministrativelyProhibitedCode()
    {
        byte[] buffer = new byte[1280];
        Assert.True(IcmpErrorBuilder.TryWrite(TcpV6(0), IcmpErrorKind.AdministrativelyProhibited, IpAddressKey.FromV6(RouterV6), 0, buffer, out _));
        Assert.Equal(IcmpTypes.V6.DestinationUnreachable, buffer[40]);
        Assert.Equal(IcmpTypes.V6.CodeAdministrativelyProhibited, buffer[41]);
    }

    [Fact]
    public void V6PacketTooBigIsCappedAt1280AndCarriesTheMtu()
    {
        byte[] original = TcpV6(1400);
        byte[] buffer = new byte[1500];
        Assert.True(IcmpErrorBuilder.TryWritePacketTooBigV6(original, RouterV6, 1420, buffer, out int written));
        Assert.Equal(1280, written);
        Assert.Equal(1240, BinaryPrimitives.ReadUInt16BigEndian(buffer.AsSpan(4)));
        Assert.True(IcmpHeader.TryParseV6(buffer.AsSpan(40, 1240), out IcmpHeader icmp));
        Assert.Equal(IcmpTypes.V6.PacketTooBig, icmp.Type);
        Assert.Equal(0, icmp.Code);
        Assert.True(icmp.TryGetMtu(out uint mtu));
        Assert.Equal(1420u, mtu);
        Assert.Equal(original[..1232], buffer[48..1280]);
        byte[] message = buffer[40..1280];
        Assert.Equal(0xFFFF, TestPackets.NaiveSum(TestPackets.PseudoHeaderV6(RouterV6, TestPackets.V6A, 58, message.Length), message));
    }

    [Fact]
    public void V6MulticastDestinationGetsPacketTooBigOnly()
    {
        byte[] multicast = [0xff, 0x0e, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10];
        byte[] original = TcpV6(10, dst: multicast);
        Assert.False(IcmpErrorBuilder.TryWrite(original, IcmpErrorKind.Unreachable, IpAddressKey.FromV6(RouterV6), 0, new byte[1280], out _));
        Assert.False(IcmpErrorBuilder.TryWrite(original, IcmpErrorKind.AdministrativelyProhibited, IpAddressKey.FromV6(RouterV6), 0, new byte[1280], out _));
        Assert.True(IcmpErrorBuilder.TryWrite(original, IcmpErrorKind.PacketTooBig, IpAddressKey.FromV6(RouterV6), 1280, new byte[1280], out _));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(127)]
    public void V6NeverAnswersAnIcmpV6ErrorEvenBehindExtensionHeaders(byte type)
    {
        byte[] icmp = TestPackets.Icmp(type, 0, 0, new byte[40], TestPackets.V6A, TestPackets.V6B);
        byte[] direct = TestPackets.Ipv6(IpProtocol.IcmpV6, TestPackets.V6A, TestPackets.V6B, icmp);
        byte[] behind = TestPackets.Ipv6(IpProtocol.HopByHopOptions, TestPackets.V6A, TestPackets.V6B,
            [.. Ipv6HeaderTests.HopByHop(IpProtocol.DestinationOptions), .. Ipv6HeaderTests.DestinationOptions16(IpProtocol.IcmpV6), .. icmp]);
        foreach (IcmpErrorKind kind in Enum.GetValues<IcmpErrorKind>())
        {
            Assert.False(IcmpErrorBuilder.TryWrite(direct, kind, IpAddressKey.FromV6(RouterV6), 1280, new byte[1280], out _));
            Assert.False(IcmpErrorBuilder.TryWrite(behind, kind, IpAddressKey.FromV6(RouterV6), 1280, new byte[1280], out _));
        }
    }

    [Fact]
    public void V6AnswersEchoRequestsBehindExtensionHeaders()
    {
        byte[] icmp = TestPackets.Icmp(IcmpTypes.V6.EchoRequest, 0, 0, new byte[40], TestPackets.V6A, TestPackets.V6B);
        byte[] behind = TestPackets.Ipv6(IpProtocol.HopByHopOptions, TestPackets.V6A, TestPackets.V6B,
            [.. Ipv6HeaderTests.HopByHop(IpProtocol.IcmpV6), .. icmp]);
        Assert.True(IcmpErrorBuilder.TryWrite(behind, IcmpErrorKind.Unreachable, IpAddressKey.FromV6(RouterV6), 0, new byte[1280], out _));
    }

    [Fact]
    public void V6EligibilityRules()
    {
        IpAddressKey router = IpAddressKey.FromV6(RouterV6);
        byte[] unspecifiedSource = TcpV6(0, src: new byte[16]);
        Assert.False(IcmpErrorBuilder.TryWrite(unspecifiedSource, IcmpErrorKind.Unreachable, router, 0, new byte[1280], out _));

        byte[] multicastSource = TcpV6(0, src: [0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        Assert.False(IcmpErrorBuilder.TryWrite(multicastSource, IcmpErrorKind.PacketTooBig, router, 1280, new byte[1280], out _));

        byte[] laterFragment = TestPackets.Ipv6(IpProtocol.Fragment, TestPackets.V6A, TestPackets.V6B,
            [.. Ipv6HeaderTests.Fragment(IpProtocol.Tcp, 1448, more: true), .. new byte[64]]);
        Assert.False(IcmpErrorBuilder.TryWrite(laterFragment, IcmpErrorKind.Unreachable, router, 0, new byte[1280], out _));

        byte[] firstFragment = TestPackets.Ipv6(IpProtocol.Fragment, TestPackets.V6A, TestPackets.V6B,
            [.. Ipv6HeaderTests.Fragment(IpProtocol.Tcp, 0, more: true), .. new byte[64]]);
        Assert.True(IcmpErrorBuilder.TryWrite(firstFragment, IcmpErrorKind.Unreachable, router, 0, new byte[1280], out _));

        byte[] brokenChain = TestPackets.Ipv6(IpProtocol.DestinationOptions, TestPackets.V6A, TestPackets.V6B, [IpProtocol.Tcp, 9, 0, 0, 0, 0, 0, 0]);
        Assert.False(IcmpErrorBuilder.TryWrite(brokenChain, IcmpErrorKind.Unreachable, router, 0, new byte[1280], out _));
    }

    [Fact]
    public void MalformedOrUnknownPacketsAreNotAnswered()
    {
        byte[] v4 = UdpV4(10);
        Assert.False(IcmpErrorBuilder.TryWrite(v4.AsSpan(0, v4.Length - 1), IcmpErrorKind.Unreachable, IpAddressKey.FromV4(RouterV4), 0, new byte[576], out _));
        Assert.False(IcmpErrorBuilder.TryWrite([0x50, 0, 0, 0], IcmpErrorKind.Unreachable, IpAddressKey.FromV4(RouterV4), 0, new byte[576], out _));
        Assert.False(IcmpErrorBuilder.TryWrite([], IcmpErrorKind.Unreachable, IpAddressKey.FromV4(RouterV4), 0, new byte[576], out _));
        Assert.False(IcmpErrorBuilder.TryWriteDestinationUnreachableV6(v4, RouterV6, 3, new byte[1280], out _));
        Assert.False(IcmpErrorBuilder.TryWriteDestinationUnreachableV4(TcpV6(0), RouterV4, 1, 0, new byte[576], out _));
    }

    [Fact]
    public void TrailingBytesAreNotQuoted()
    {
        byte[] original = UdpV4(10);
        byte[] buffer = new byte[576];
        Assert.True(IcmpErrorBuilder.TryWrite([.. original, 0xEE, 0xEE], IcmpErrorKind.Unreachable, IpAddressKey.FromV4(RouterV4), 0, buffer, out int written));
        Assert.Equal(28 + original.Length, written);
    }

    [Fact]
    public void BuildsInPlaceOverTheOffendingPacket()
    {
        byte[] v4 = UdpV4(600);
        byte[] expected4 = new byte[576];
        Assert.True(IcmpErrorBuilder.TryWrite(v4, IcmpErrorKind.Unreachable, IpAddressKey.FromV4(RouterV4), 0, expected4, out int n4));
        byte[] inPlace4 = (byte[])v4.Clone();
        Assert.True(IcmpErrorBuilder.TryWrite(inPlace4, IcmpErrorKind.Unreachable, IpAddressKey.FromV4(RouterV4), 0, inPlace4, out int m4));
        Assert.Equal(n4, m4);
        Assert.Equal(expected4[..n4], inPlace4[..m4]);

        byte[] v6 = TcpV6(1400);
        byte[] expected6 = new byte[1280];
        Assert.True(IcmpErrorBuilder.TryWrite(v6, IcmpErrorKind.PacketTooBig, IpAddressKey.FromV6(RouterV6), 1400, expected6, out int n6));
        byte[] inPlace6 = (byte[])v6.Clone();
        Assert.True(IcmpErrorBuilder.TryWrite(inPlace6, IcmpErrorKind.PacketTooBig, IpAddressKey.FromV6(RouterV6), 1400, inPlace6, out int m6));
        Assert.Equal(expected6[..n6], inPlace6[..m6]);
    }

    [Fact]
    public void MisuseThrows()
    {
        byte[] v4 = UdpV4(100);
        Assert.Throws<ArgumentException>(() => IcmpErrorBuilder.TryWrite(v4, IcmpErrorKind.Unreachable, IpAddressKey.FromV4(RouterV4), 0, new byte[100], out _));
        Assert.Throws<ArgumentException>(() => IcmpErrorBuilder.TryWrite(v4, IcmpErrorKind.Unreachable, IpAddressKey.FromV6(RouterV6), 0, new byte[576], out _));
        Assert.Throws<ArgumentException>(() => IcmpErrorBuilder.TryWrite(v4, IcmpErrorKind.PacketTooBig, IpAddressKey.FromV4(RouterV4), 70000, new byte[576], out _));
        Assert.Throws<ArgumentException>(() => IcmpErrorBuilder.TryWriteDestinationUnreachableV4(v4, RouterV6, 1, 0, new byte[576], out _));
        Assert.Throws<ArgumentException>(() => IcmpErrorBuilder.TryWrite(TcpV6(0), IcmpErrorKind.Unreachable, IpAddressKey.FromV4(RouterV4), 0, new byte[1280], out _));
    }
}
