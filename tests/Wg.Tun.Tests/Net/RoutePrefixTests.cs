// RoutePrefix parsing, formatting and prefix arithmetic, including a randomized check against a naive model.
using System.Net;
using FsCheck;
using FsCheck.Fluent;
using WgSharp.Tun.Net;

namespace WgSharp.Tun.Tests.Net;

public class RoutePrefixTests
{
    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0", 8)]
    [InlineData("10.0.0.2/24", "10.0.0.2", 24)]
    [InlineData("0.0.0.0/0", "0.0.0.0", 0)]
    [InlineData("192.0.2.1", "192.0.2.1", 32)]
    [InlineData("fd00::/64", "fd00::", 64)]
    [InlineData("::/0", "::", 0)]
    [InlineData("2001:db8::1", "2001:db8::1", 128)]
    public void ParsesAddressAndLength(string text, string address, int length)
    {
        RoutePrefix prefix = RoutePrefix.Parse(text);
        Assert.Equal(IPAddress.Parse(address), prefix.Address);
        Assert.Equal(length, prefix.Length);
        Assert.Equal($"{address}/{length}", prefix.ToString());
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("fd00::/129")]
    [InlineData("10.0.0.0/")]
    [InlineData("10.0.0/8")]
    [InlineData("10.0.0.0/08")]
    [InlineData("10.0.0.0/-1")]
    [InlineData("fe80::1%eth0/64")]
    [InlineData("")]
    [InlineData("all")]
    public void RejectsWhatIsNotAPrefix(string text)
    {
        Assert.False(RoutePrefix.TryParse(text, out _));
        Assert.Throws<FormatException>(() => RoutePrefix.Parse(text));
    }

    [Fact]
    public void ConstructorRefusesImpossibleLengths()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RoutePrefix(IPAddress.Any, 33));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RoutePrefix(IPAddress.IPv6Any, -1));
    }

    [Fact]
    public void NetworkClearsHostBitsAndDefaultsAreFamilyWide()
    {
        Assert.Equal(RoutePrefix.Parse("10.0.0.0/24"), RoutePrefix.Parse("10.0.0.77/24").Network);
        Assert.Equal(RoutePrefix.Parse("fd00:1:2:4::/62"), RoutePrefix.Parse("fd00:1:2:7:ffff::1/62").Network);
        Assert.True(RoutePrefix.DefaultIPv4.IsDefault);
        Assert.True(RoutePrefix.Host(IPAddress.Parse("::1")).IsHost);
        Assert.True(RoutePrefix.DefaultIPv6.Contains(IPAddress.Parse("2001:db8::1")));
        Assert.False(RoutePrefix.DefaultIPv6.Contains(IPAddress.Parse("10.0.0.1")));
    }

    [Fact]
    public void ContainsAgreesWithABitByBitModel()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<uint>(), ArbMap.Default.ArbFor<uint>(), Arb.From(Gen.Choose(0, 32)), (a, b, length) =>
        {
            var prefix = new RoutePrefix(new IPAddress(BigEndian(a)), length);
            bool model = length == 0 || (a >> (32 - length)) == (b >> (32 - length));
            return prefix.Contains(new IPAddress(BigEndian(b))) == model
                && prefix.Network.Contains(new IPAddress(BigEndian(a)));
        }).QuickCheckThrowOnFailure();
    }

    private static byte[] BigEndian(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
}
