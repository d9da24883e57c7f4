// UdpEndpoint text forms (wireguard-go's netip.ParseAddrPort / AddrPort.String rules), equality and conversions.
using System.Net;
using System.Net.Sockets;
using FsCheck;
using FsCheck.Fluent;

namespace WgSharp.Tun.Tests;

public class UdpEndpointTests
{
    [Theory]
    [InlineData("1.2.3.4:51820", "1.2.3.4:51820")]
    [InlineData("0.0.0.0:0", "0.0.0.0:0")]
    [InlineData("255.255.255.255:65535", "255.255.255.255:65535")]
    [InlineData("1.2.3.4:0080", "1.2.3.4:80")]
    [InlineData("[2001:db8::1]:51820", "[2001:db8::1]:51820")]
    [InlineData("[2001:DB8:0:0:0:0:0:1]:51820", "[2001:db8::1]:51820")]
    [InlineData("[::]:1", "[::]:1")]
    [InlineData("[::1]:1", "[::1]:1")]
    [InlineData("[1::]:1", "[1::]:1")]
    [InlineData("[0001:0002:0003:0004:0005:0006:0007:0008]:1", "[1:2:3:4:5:6:7:8]:1")]
    [InlineData("[2001:db8:0:0:1:0:0:1]:1", "[2001:db8::1:0:0:1]:1")]
    [InlineData("[0:0:1:0:0:0:1:0]:1", "[0:0:1::1:0]:1")]
    [InlineData("[1:0:2:3:4:5:6:7]:1", "[1:0:2:3:4:5:6:7]:1")]
    [InlineData("[::ffff:1.2.3.4]:80", "[::ffff:1.2.3.4]:80")]
    [InlineData("[::1.2.3.4]:5", "[::102:304]:5")]
    [InlineData("[1:2:3:4:5:6:1.2.3.4]:5", "[1:2:3:4:5:6:102:304]:5")]
    [InlineData("[fe80::1%7]:51820", "[fe80::1%7]:51820")]
    public void ParsesAndPrintsLikeWireguardGo(string text, string canonical)
    {
        Assert.True(UdpEndpoint.TryParse(text, out UdpEndpoint endpoint));
        Assert.Equal(canonical, endpoint.ToString());
        Assert.True(UdpEndpoint.TryParse(canonical, out UdpEndpoint again));
        Assert.Equal(endpoint, again);
    }

    [Theory]
    [InlineData("")]
    [InlineData("1.2.3.4")]
    [InlineData("1.2.3.4:")]
    [InlineData(":80")]
    [InlineData("1.2.3:80")]
    [InlineData("1.2.3.4.5:80")]
    [InlineData("01.2.3.4:80")]
    [InlineData("1.2.3.04:80")]
    [InlineData("256.1.1.1:80")]
    [InlineData("1..2.3:80")]
    [InlineData("1.2.3.4:65536")]
    [InlineData("1.2.3.4:-1")]
    [InlineData("1.2.3.4:+80")]
    [InlineData("1.2.3.4: 80")]
    [InlineData(" 1.2.3.4:80")]
    [InlineData("1.2.3.4:80 ")]
    [InlineData("1.2.3.4:8_0")]
    [InlineData("[1.2.3.4]:80")]
    [InlineData("2001:db8::1:80")]
    [InlineData("[2001:db8::1]")]
    [InlineData("[2001:db8::1:80")]
    [InlineData("2001:db8::1]:80")]
    [InlineData("example.com:80")]
    [InlineData("localhost:51820")]
    [InlineData("[::1%]:80")]
    [InlineData("[%lo]:80")]
    [InlineData("1.2.3.4%lo:80")]
    [InlineData("[1::2::3]:80")]
    [InlineData("[1:2:3:4:5:6:7:8:9]:80")]
    [InlineData("[1:2:3:4:5:6:7:8::]:80")]
    [InlineData("[::1:2:3:4:5:6:7:8]:80")]
    [InlineData("[12345::]:80")]
    [InlineData("[1:2:3:4:5:6:7]:80")]
    [InlineData("[1:2:3:4:5:6:7:1.2.3.4]:1")]
    [InlineData("[::1.2.3]:1")]
    [InlineData("[::01.2.3.4]:1")]
    [InlineData("[1:]:1")]
    [InlineData("[:1]:1")]
    [InlineData("[g::]:1")]
    public void RejectsWhatWireguardGoRejects(string text)
    {
        Assert.False(UdpEndpoint.TryParse(text, out UdpEndpoint endpoint));
        Assert.True(endpoint.IsEmpty);
        Assert.Throws<FormatException>(() => UdpEndpoint.Parse(text));
    }

    [Fact]
    public void ResolvesANamedZoneToItsInterfaceIndex()
    {
        // "lo" is interface 1 in every network namespace.
        Assert.True(UdpEndpoint.TryParse("[fe80::1%lo]:51820", out UdpEndpoint endpoint));
        Assert.Equal(1u, endpoint.ScopeId);
        Assert.Equal("[fe80::1%1]:51820", endpoint.ToString());
    }

    [Fact]
    public void ExposesFamilyAddressAndPort()
    {
        UdpEndpoint v4 = UdpEndpoint.Parse("10.1.2.3:7");
        Assert.Equal(AddressFamily.InterNetwork, v4.Family);
        Assert.Equal((ushort)7, v4.Port);
        Span<byte> bytes = stackalloc byte[16];
        Assert.Equal(4, v4.CopyAddressTo(bytes));
        Assert.Equal(new byte[] { 10, 1, 2, 3 }, bytes[..4].ToArray());

        UdpEndpoint v6 = UdpEndpoint.Parse("[::ffff:10.1.2.3]:7");
        Assert.Equal(AddressFamily.InterNetworkV6, v6.Family);
        Assert.True(v6.IsIPv4MappedIPv6);
        Assert.False(UdpEndpoint.Parse("[2001:db8::1]:7").IsIPv4MappedIPv6);
        Assert.NotEqual(v4, v6);
    }

    [Fact]
    public void EqualityIgnoresTheStickySource()
    {
        UdpEndpoint remote = UdpEndpoint.Parse("192.0.2.1:51820");
        UdpEndpoint learned = remote.WithSource([198, 51, 100, 7], 3);
        Assert.True(learned.HasSource);
        Assert.Equal(3, learned.SourceInterfaceIndex);
        Assert.Equal(IPAddress.Parse("198.51.100.7"), learned.SourceAddress);
        Assert.Equal(remote, learned);
        Assert.Equal(remote.GetHashCode(), learned.GetHashCode());
        Assert.Equal("192.0.2.1:51820", learned.ToString());

        UdpEndpoint cleared = learned.WithoutSource();
        Assert.False(cleared.HasSource);
        Assert.Equal(0, cleared.SourceInterfaceIndex);
        Assert.Null(cleared.SourceAddress);

        Assert.NotEqual(remote, UdpEndpoint.Parse("192.0.2.1:51821"));
        Assert.NotEqual(remote, UdpEndpoint.Parse("192.0.2.2:51820"));
        Assert.NotEqual(UdpEndpoint.Parse("[fe80::1%1]:1"), UdpEndpoint.Parse("[fe80::1%2]:1"));
    }

    [Fact]
    public void SourceMustMatchTheFamily()
    {
        UdpEndpoint v4 = UdpEndpoint.Parse("192.0.2.1:1");
        Assert.Throws<ArgumentException>(() => v4.WithSource(new byte[16], 1));
        Assert.Throws<ArgumentException>(() => default(UdpEndpoint).WithSource(new byte[4], 1));
    }

    [Fact]
    public void ConvertsToAndFromIPEndPoint()
    {
        var v4 = new IPEndPoint(IPAddress.Parse("203.0.113.9"), 4500);
        Assert.Equal(v4, UdpEndpoint.FromIPEndPoint(v4).ToIPEndPoint());
        Assert.Equal("203.0.113.9:4500", UdpEndpoint.FromIPEndPoint(v4).ToString());

        var v6 = new IPEndPoint(IPAddress.Parse("fe80::5%4"), 51820);
        UdpEndpoint endpoint = UdpEndpoint.FromIPEndPoint(v6);
        Assert.Equal(4u, endpoint.ScopeId);
        Assert.Equal(v6, endpoint.ToIPEndPoint());

        var mapped = new IPEndPoint(IPAddress.Parse("::ffff:1.2.3.4"), 1);
        Assert.Equal(AddressFamily.InterNetworkV6, UdpEndpoint.FromIPEndPoint(mapped).Family);
    }

    [Fact]
    public void EmptyEndpointIsDefault()
    {
        UdpEndpoint empty = default;
        Assert.True(empty.IsEmpty);
        Assert.Equal(AddressFamily.Unspecified, empty.Family);
        Assert.Equal(string.Empty, empty.ToString());
    }

    [Fact]
    public void TryFormatReportsTooSmallDestinations()
    {
        UdpEndpoint endpoint = UdpEndpoint.Parse("[2001:db8:1:2:3:4:5:6]:65535");
        string text = endpoint.ToString();
        Assert.False(endpoint.TryFormat(new char[text.Length - 1], out _));
        Assert.True(endpoint.TryFormat(new char[text.Length], out int written));
        Assert.Equal(text.Length, written);
    }

    [Fact]
    public void RandomIPv4EndpointsRoundTripAndAgreeWithIPAddress()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<uint>(), ArbMap.Default.ArbFor<ushort>(), (raw, port) =>
        {
            byte[] bytes = BitConverter.GetBytes(raw);
            UdpEndpoint endpoint = UdpEndpoint.FromIPv4(bytes, port);
            string text = endpoint.ToString();
            return UdpEndpoint.TryParse(text, out UdpEndpoint parsed)
                && parsed == endpoint
                && text == $"{new IPAddress(bytes)}:{port}";
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void RandomIPv6EndpointsRoundTripAndAgreeWithIPAddress()
    {
        // Sparse addresses (many zero groups) exercise the "::" placement rules.
        Gen<byte[]> addresses = Gen.ArrayOf(Gen.Elements<ushort>(0, 0, 0, 1, 0xffff, 0xdb8, 0xfe80), 8)
            .Select(groups => groups.SelectMany(g => new[] { (byte)(g >> 8), (byte)g }).ToArray());
        Prop.ForAll(addresses.ToArbitrary(), ArbMap.Default.ArbFor<ushort>(), (bytes, port) =>
        {
            UdpEndpoint endpoint = UdpEndpoint.FromIPv6(bytes, port);
            string text = endpoint.ToString();
            string host = text[1..text.LastIndexOf(']')];
            return UdpEndpoint.TryParse(text, out UdpEndpoint parsed)
                && parsed == endpoint
                && IPAddress.Parse(host).GetAddressBytes().AsSpan().SequenceEqual(bytes)
                && !host.Contains(":::") && host.Split("::").Length <= 2;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void RandomTextNeverThrows()
    {
        Gen<string> texts = Gen.ArrayOf(Gen.Elements("0", "1", "9", "f", "F", ":", "::", ".", "[", "]", "%", "g", "255", "65535"))
            .Select(parts => string.Concat(parts));
        Prop.ForAll(texts.ToArbitrary(), text =>
        {
            if (UdpEndpoint.TryParse(text, out UdpEndpoint endpoint))
            {
                // Whatever parses must print to something that parses to the same endpoint.
                return UdpEndpoint.TryParse(endpoint.ToString(), out UdpEndpoint again) && again == endpoint;
            }
            return endpoint.IsEmpty;
        }).QuickCheckThrowOnFailure();
    }
}
