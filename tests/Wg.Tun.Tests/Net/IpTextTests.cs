// IpText: addresses, prefixes and endpoints printed as Go's net/netip prints them (what wireguard-go
// puts in get replies) and parsed as strictly as netip parses them.
using System.Net;
using WgSharp.Tun.Net;

namespace WgSharp.Tun.Tests.Net;

public class IpTextTests
{
    [Theory]
    [InlineData("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1")]  // RFC 5952 4.2.3: first of equal runs
    [InlineData("2001:0:0:1:0:0:0:1", "2001:0:0:1::1")]       // the longest run
    [InlineData("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1")] // a single zero group is not shortened
    [InlineData("0:0:0:0:0:0:0:0", "::")]
    [InlineData("0:0:0:0:0:0:0:1", "::1")]
    [InlineData("1:0:0:0:0:0:0:0", "1::")]
    [InlineData("2001:DB8::ABCD", "2001:db8::abcd")]
    [InlineData("::ffff:192.0.2.1", "::ffff:192.0.2.1")]
    [InlineData("::192.0.2.1", "::c000:201")]                  // IPv4-compatible is plain IPv6 to netip
    [InlineData("192.0.2.1", "192.0.2.1")]
    public void Addresses_print_like_netip(string input, string expected)
    {
        Assert.True(IpText.TryParseAddress(input, allowZone: false, out IPAddress address));
        Assert.Equal(expected, IpText.Format(address));
    }

    [Theory]
    [InlineData("1")]
    [InlineData("1.2.3")]
    [InlineData("1.2.3.4.5")]
    [InlineData("0x7f.0.0.1")]
    [InlineData("01.2.3.4")]
    [InlineData("1.2.3.4 ")]
    [InlineData(" 1.2.3.4")]
    [InlineData("1..3.4")]
    [InlineData("::1:")]
    [InlineData(":1::")]
    [InlineData("1:2:3:4:5:6:7:8::")]
    [InlineData("1:2:3:4:5:6:7::8:9")]
    [InlineData("::1.2.3.4.5")]
    [InlineData("1:2:3:4:5:6:7:1.2.3.4")]
    [InlineData("[::1]")]
    [InlineData("fe80::1%1")]      // zones only where asked for
    [InlineData("1.2.3.4%1")]
    [InlineData("")]
    public void Malformed_addresses_are_rejected(string input) =>
        Assert.False(IpText.TryParseAddress(input, allowZone: false, out _));

    [Fact]
    public void Zones_become_scope_ids()
    {
        Assert.True(IpText.TryParseAddress("fe80::1%7", allowZone: true, out IPAddress numeric));
        Assert.Equal(7, numeric.ScopeId);
        Assert.True(IpText.TryParseAddress("fe80::1%lo", allowZone: true, out IPAddress named));
        Assert.Equal(1, named.ScopeId);
        Assert.False(IpText.TryParseAddress("1.2.3.4%1", allowZone: true, out _));
    }

    [Theory]
    [InlineData("192.0.2.1:51820", "192.0.2.1:51820")]
    [InlineData("[2001:db8::1]:443", "[2001:db8::1]:443")]
    [InlineData("[::ffff:192.0.2.1]:1", "[::ffff:192.0.2.1]:1")]
    [InlineData("[fe80::1%3]:5", "[fe80::1%3]:5")]
    public void Endpoints_round_trip(string input, string expected)
    {
        Assert.True(IpText.TryParseEndpoint(input, out IPEndPoint endpoint));
        Assert.Equal(expected, IpText.Format(endpoint));
    }

    [Theory]
    [InlineData("10.1.2.3/8", "10.0.0.0/8")]
    [InlineData("10.1.2.3/0", "0.0.0.0/0")]
    [InlineData("10.1.2.3/32", "10.1.2.3/32")]
    [InlineData("10.1.2.255/25", "10.1.2.128/25")]
    [InlineData("fd00:1:2:3::1/48", "fd00:1:2::/48")]
    [InlineData("fd00::ffff/127", "fd00::fffe/127")]
    [InlineData("::/0", "::/0")]
    public void Prefixes_are_canonical(string input, string expected)
    {
        Assert.True(IpText.TryParsePrefix(input, out IPNetwork network));
        Assert.Equal(expected, IpText.Format(network));
    }
}
