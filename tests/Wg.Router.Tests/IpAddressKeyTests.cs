// IpAddressKey: strict parsing (inet_pton-like), formatting, byte and IPAddress round trips,
// family separation (v4 vs v4-mapped v6), classification and ordering.
using System.Net;
using WgSharp.Router.Routing;

namespace WgSharp.Router.Tests;

public class IpAddressKeyTests
{
    [Theory]
    [InlineData("10.0.0.1", "10.0.0.1")]
    [InlineData("255.255.255.255", "255.255.255.255")]
    [InlineData("0.0.0.0", "0.0.0.0")]
    [InlineData("fd00::1", "fd00::1")]
    [InlineData("FD00:0:0:0:0:0:0:1", "fd00::1")]
    [InlineData("::", "::")]
    [InlineData("::ffff:10.0.0.1", "::ffff:10.0.0.1")]
    [InlineData("2001:db8::beef", "2001:db8::beef")]
    public void ParsesAndFormats(string text, string expected)
    {
        Assert.True(IpAddressKey.TryParse(text, out IpAddressKey key));
        Assert.Equal(expected, key.ToString());
        Assert.Equal(key, IpAddressKey.Parse(expected));
    }

    [Theory]
    [InlineData("")]
    [InlineData("10.0.0")]
    [InlineData("10.0.0.1.2")]
    [InlineData("10.0.0.256")]
    [InlineData("10.0.0.01")]
    [InlineData("10.0.0.-1")]
    [InlineData("10..0.1")]
    [InlineData("10.0.0.1 ")]
    [InlineData("1")]
    [InlineData("0x0a.0.0.1")]
    [InlineData("fe80::1%eth0")]
    [InlineData("[::1]")]
    [InlineData("::1:80:")]
    [InlineData("1:2:3:4:5:6:7:8:9")]
    [InlineData("gggg::1")]
    [InlineData("10.0.0.1/24")]
    public void RejectsMalformedText(string text)
    {
        Assert.False(IpAddressKey.TryParse(text, out _));
        Assert.Throws<FormatException>(() => IpAddressKey.Parse(text));
    }

    [Fact]
    public void V4AndV4MappedV6AreDistinct()
    {
        IpAddressKey v4 = IpAddressKey.Parse("10.0.0.1");
        IpAddressKey mapped = IpAddressKey.Parse("::ffff:10.0.0.1");
        Assert.Equal(IpFamily.V4, v4.Family);
        Assert.Equal(IpFamily.V6, mapped.Family);
        Assert.NotEqual(v4, mapped);
        Assert.Equal(4, v4.ByteLength);
        Assert.Equal(16, mapped.ByteLength);
    }

    [Fact]
    public void RoundTripsBytesAndIPAddress()
    {
        byte[] v6 = [0x20, 0x01, 0x0d, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        Assert.True(IpAddressKey.TryCreate(v6, out IpAddressKey key6));
        Span<byte> buffer = stackalloc byte[16];
        Assert.Equal(16, key6.CopyTo(buffer));
        Assert.Equal(v6, buffer.ToArray());
        Assert.Equal(new IPAddress(v6), key6.ToIPAddress());
        Assert.Equal(key6, IpAddressKey.FromIPAddress(new IPAddress(v6)));

        IpAddressKey key4 = IpAddressKey.FromV4([192, 0, 2, 1]);
        Assert.Equal(0xC0000201u, key4.V4Value);
        Assert.Equal(4, key4.CopyTo(buffer));
        Assert.Equal([192, 0, 2, 1], buffer[..4].ToArray());
        Assert.Equal(IPAddress.Parse("192.0.2.1"), key4.ToIPAddress());
        Assert.Equal(key4, IpAddressKey.FromIPAddress(IPAddress.Parse("192.0.2.1")));

        Assert.False(IpAddressKey.TryCreate(new byte[5], out _));
        Assert.Throws<ArgumentException>(() => key6.CopyTo(new byte[15]));
    }

    [Fact]
    public void ClassifiesSpecialAddresses()
    {
        Assert.True(IpAddressKey.Parse("224.0.0.1").IsMulticast);
        Assert.True(IpAddressKey.Parse("239.255.255.255").IsMulticast);
        Assert.False(IpAddressKey.Parse("240.0.0.1").IsMulticast);
        Assert.True(IpAddressKey.Parse("ff02::1").IsMulticast);
        Assert.False(IpAddressKey.Parse("fe80::1").IsMulticast);
        Assert.True(IpAddressKey.Parse("255.255.255.255").IsV4LimitedBroadcast);
        Assert.True(IpAddressKey.Parse("0.0.0.0").IsUnspecified);
        Assert.True(IpAddressKey.Parse("::").IsUnspecified);
        Assert.False(default(IpAddressKey).IsUnspecified);
        Assert.True(IpAddressKey.Parse("127.1.2.3").IsLoopback);
        Assert.True(IpAddressKey.Parse("::1").IsLoopback);
    }

    [Fact]
    public void BitsMasksAndOrder()
    {
        IpAddressKey key = IpAddressKey.Parse("128.0.0.1");
        Assert.Equal(1, key.GetBit(0));
        Assert.Equal(0, key.GetBit(1));
        Assert.Equal(1, key.GetBit(31));
        Assert.Throws<ArgumentOutOfRangeException>(() => key.GetBit(32));
        Assert.Equal(IpAddressKey.Parse("128.0.0.0"), key.Mask(24));
        Assert.Equal(IpAddressKey.Parse("2001:db8::"), IpAddressKey.Parse("2001:db8::ffff:1").Mask(64));
        Assert.Equal(IpAddressKey.Parse("2001:db8::ffff:0"), IpAddressKey.Parse("2001:db8::ffff:1").Mask(112));
        Assert.Equal(1, IpAddressKey.Parse("::1").GetBit(127));

        IpAddressKey[] sorted = [.. new[] { "fd00::1", "10.0.0.2", "::", "10.0.0.1", "9.255.255.255" }.Select(IpAddressKey.Parse).Order()];
        Assert.Equal(["9.255.255.255", "10.0.0.1", "10.0.0.2", "::", "fd00::1"], sorted.Select(k => k.ToString()));
    }
}
