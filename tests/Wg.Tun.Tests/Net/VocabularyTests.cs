// The small shared types: their text in each spelling and what they match.
using System.Net;
using WgSharp.Tun.Net;

namespace WgSharp.Tun.Tests.Net;

public class VocabularyTests
{
    [Fact]
    public void Port_ranges_print_short_and_long_and_parse_what_they_print()
    {
        Assert.Equal("53", PortRange.Single(53).ToString());
        Assert.Equal("53-53", PortRange.Single(53).ToRangeString());
        Assert.Equal("80-90", new PortRange(80, 90).ToString());
        Assert.True(PortRange.TryParse("8000-8100", out PortRange range) && range == new PortRange(8000, 8100));
        Assert.True(PortRange.TryParse("25", out range) && range == PortRange.Single(25));
        Assert.False(PortRange.TryParse("90-80", out _, out bool reversed));
        Assert.True(reversed);
        Assert.False(PortRange.TryParse("80 - 90", out _));
        Assert.False(PortRange.TryParse("+80", out _));
        Assert.False(PortRange.TryParse("65536", out _));
    }

    [Fact]
    public void Port_ranges_contain_and_overlap_inclusively()
    {
        var range = new PortRange(80, 90);
        Assert.True(range.Contains(80) && range.Contains(90));
        Assert.False(range.Contains(79) || range.Contains(91));
        Assert.True(range.Overlaps(new PortRange(90, 95)));
        Assert.False(range.Overlaps(new PortRange(91, 95)));
    }

    [Fact]
    public void Marks_match_and_set_only_their_masked_bits()
    {
        var mark = new Mark(0x200, 0xff00);
        Assert.True(mark.Matches(0x12_0234));
        Assert.False(mark.Matches(0x300));
        Assert.Equal(0x12_02ffu, mark.Apply(0x12_34ff));
        Assert.False(new Mark(0x300, 0x100).IsValid);
        Assert.Equal("0x200/0xff00", mark.ToString());
        Assert.Equal("0x1f", Mark.Exactly(31).ToString());
        Assert.Equal("0x1f/0xffffffff", Mark.Exactly(31).ToMaskedString());
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.0.0.0/8", false)]
    [InlineData("!10.1.2.3/16", "10.1.0.0/16", true)]
    [InlineData(" ! fd00::1 ", "fd00::1/128", true)]
    [InlineData("192.0.2.7", "192.0.2.7/32", false)]
    public void Prefix_selectors_parse_with_host_bits_cleared(string text, string network, bool negated)
    {
        PrefixSelector selector = PrefixSelector.Parse(text);
        Assert.Equal(new PrefixSelector(IPNetwork.Parse(network), negated), selector);
        Assert.Equal((negated ? "!" : "") + network, selector.ToString());
    }

    [Theory]
    [InlineData("10.0.0.0/33")]
    [InlineData("10.0.0/8")]
    [InlineData("!")]
    [InlineData("fe80::1%eth0/64")]
    public void Prefix_selectors_refuse_what_is_no_prefix(string text) =>
        Assert.Throws<FormatException>(() => PrefixSelector.Parse(text));

    [Fact]
    public void Route_prefixes_keep_host_bits_and_convert_to_networks()
    {
        RoutePrefix address = RoutePrefix.Parse("10.0.0.2/24");
        Assert.Equal(IPNetwork.Parse("10.0.0.0/24"), address.ToNetwork());
        Assert.Equal(RoutePrefix.Parse("10.0.0.0/24"), RoutePrefix.FromNetwork(address.ToNetwork()));
        Assert.Equal("10.0.0.2/24", address.ToNetipString());
        // ip (inet_ntop) and netip differ only for IPv4-compatible IPv6.
        RoutePrefix compatible = RoutePrefix.Parse("::1.2.3.4/128");
        Assert.Equal("::1.2.3.4/128", compatible.ToString());
        Assert.Equal("::102:304/128", compatible.ToNetipString());
    }

    [Theory]
    [InlineData("0", 0ul)]
    [InlineData("007", 7ul)]
    [InlineData("18446744073709551615", ulong.MaxValue)]
    public void Decimal_text_reads_like_strconv(string text, ulong expected)
    {
        Assert.True(DecimalText.TryParse(text, ulong.MaxValue, out ulong value));
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("+1")]
    [InlineData(" 1")]
    [InlineData("18446744073709551616")]
    public void Decimal_text_refuses_signs_spaces_and_overflow(string text) =>
        Assert.False(DecimalText.TryParse(text, ulong.MaxValue, out _));

    [Fact]
    public void Ip_text_formats_endpoints_and_networks_like_netip()
    {
        Assert.Equal("[fd00::1]:51820", IpText.Format(new IPEndPoint(IPAddress.Parse("fd00::1"), 51820)));
        Assert.Equal("192.0.2.1:53", IpText.Format(new IPEndPoint(IPAddress.Parse("192.0.2.1"), 53)));
        Assert.Equal("[fe80::1%7]:1", IpText.Format(new IPEndPoint(new IPAddress(IPAddress.Parse("fe80::1").GetAddressBytes(), 7), 1)));
        Assert.Equal("2001:db8::/32", IpText.Format(IPNetwork.Parse("2001:db8::/32")));
    }
}
