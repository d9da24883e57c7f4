// IpPrefix: canonicalization by masking host bits (as wg(8) prints allowed IPs), parsing with
// clear errors, bare addresses as host prefixes, containment and formatting.
using WgSharp.Router.Routing;

namespace WgSharp.Router.Tests;

public class IpPrefixTests
{
    [Theory]
    [InlineData("10.0.0.1/24", "10.0.0.0/24")]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("10.1.2.3", "10.1.2.3/32")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    [InlineData("255.255.255.255/1", "128.0.0.0/1")]
    [InlineData("fd00::1/64", "fd00::/64")]
    [InlineData("fd00::1", "fd00::1/128")]
    [InlineData("::/0", "::/0")]
    [InlineData("2001:db8:ffff:ffff::/33", "2001:db8:8000::/33")]
    [InlineData(" 10.0.0.1/32 ", "10.0.0.1/32")]
    [InlineData("10.0.0.0/024", "10.0.0.0/24")]
    public void ParsesAndCanonicalizes(string text, string expected)
    {
        Assert.True(IpPrefix.TryParse(text, out IpPrefix prefix, out string? error));
        Assert.Null(error);
        Assert.Equal(expected, prefix.ToString());
        Assert.Equal(prefix, IpPrefix.Parse(expected));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("10.0.0.0/33", "maximum is 32")]
    [InlineData("fd00::/129", "maximum is 128")]
    [InlineData("10.0.0.0/", "is not a number")]
    [InlineData("10.0.0.0/-1", "is not a number")]
    [InlineData("10.0.0.0/8/8", "is not a number")]
    [InlineData("10.0.0.0/1000", "is not a number")]
    [InlineData("10.0.0/8", "not a valid IPv4 or IPv6 address")]
    [InlineData("example.com/8", "not a valid IPv4 or IPv6 address")]
    [InlineData("/8", "not a valid IPv4 or IPv6 address")]
    public void ExplainsParseErrors(string text, string expectedFragment)
    {
        Assert.False(IpPrefix.TryParse(text, out _, out string? error));
        Assert.Contains(expectedFragment, error);
        FormatException e = Assert.Throws<FormatException>(() => IpPrefix.Parse(text));
        Assert.Equal(error, e.Message);
    }

    [Fact]
    public void ConstructorMasksAndValidates()
    {
        IpPrefix p = new(IpAddressKey.Parse("192.168.1.77"), 16);
        Assert.Equal(IpAddressKey.Parse("192.168.0.0"), p.Address);
        Assert.Equal(16, p.Length);
        Assert.Equal(IpFamily.V4, p.Family);
        Assert.False(p.IsHost);
        Assert.True(new IpPrefix(IpAddressKey.Parse("::1"), 128).IsHost);
        Assert.Throws<ArgumentOutOfRangeException>(() => new IpPrefix(IpAddressKey.Parse("10.0.0.0"), 33));
        Assert.Throws<ArgumentException>(() => new IpPrefix(default, 0));
    }

    [Fact]
    public void Containment()
    {
        IpPrefix net = IpPrefix.Parse("10.4.0.128/25");
        Assert.True(net.Contains(IpAddressKey.Parse("10.4.0.200")));
        Assert.False(net.Contains(IpAddressKey.Parse("10.4.0.127")));
        Assert.False(net.Contains(IpAddressKey.Parse("::ffff:10.4.0.200")));
        Assert.True(net.Contains(IpPrefix.Parse("10.4.0.192/26")));
        Assert.False(net.Contains(IpPrefix.Parse("10.4.0.0/24")));
        Assert.True(IpPrefix.Parse("::/0").Contains(IpAddressKey.Parse("fd00::1")));
        Assert.False(IpPrefix.Parse("::/0").Contains(IpAddressKey.Parse("10.0.0.1")));
        Assert.True(IpPrefix.Parse("fd00::/8").Contains(IpAddressKey.Parse("fdff:ffff::1")));
    }

    [Fact]
    public void EqualityAndOrder()
    {
        Assert.Equal(IpPrefix.Parse("10.0.0.1/24"), IpPrefix.Parse("10.0.0.200/24"));
        Assert.NotEqual(IpPrefix.Parse("10.0.0.0/24"), IpPrefix.Parse("10.0.0.0/25"));
        string[] sorted = [.. new[] { "fd00::/8", "10.0.0.0/16", "10.0.0.0/8", "9.0.0.0/8", "::/0" }
            .Select(IpPrefix.Parse).Order().Select(p => p.ToString())];
        Assert.Equal(["9.0.0.0/8", "10.0.0.0/8", "10.0.0.0/16", "::/0", "fd00::/8"], sorted);
    }
}
