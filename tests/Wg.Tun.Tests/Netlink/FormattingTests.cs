// The ip-style text of entries built by callers (what `wgsharp up` prints) and iproute2's name tables.
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Tun.Tests.Netlink;

public class FormattingTests
{
    [Fact]
    public void RouteCommandArgumentsAreWhatWgQuickPrints()
    {
        var route = new RouteEntry { Destination = RoutePrefix.Parse("0.0.0.0/0"), OutputInterfaceName = "wg0", Table = 51820 };
        Assert.Equal("0.0.0.0/0 dev wg0 table 51820", route.ToCommandArguments());
        Assert.Equal("default dev wg0 table 51820", route.ToString());

        var full = new RouteEntry
        {
            Destination = RoutePrefix.Parse("10.0.0.0/8"), Type = RouteType.Unicast, Gateway = IPAddress.Parse("192.0.2.1"),
            OutputInterfaceName = "eth0", Protocol = RouteProtocol.Static, Scope = RouteScope.Universe,
            PreferredSource = IPAddress.Parse("192.0.2.9"), Metric = 10, Mtu = 1420,
        };
        Assert.Equal("10.0.0.0/8 via 192.0.2.1 dev eth0 proto static scope global src 192.0.2.9 metric 10 mtu 1420",
            full.ToCommandArguments());
        Assert.Equal("10.0.0.0/8 via 192.0.2.1 dev eth0 proto static src 192.0.2.9 metric 10 mtu 1420", full.ToString());

        var host = new RouteEntry { Destination = RoutePrefix.Parse("192.0.2.1/32"), Type = RouteType.Blackhole, Table = 255 };
        Assert.Equal("blackhole 192.0.2.1 table local", host.ToString());
        Assert.Equal("blackhole 192.0.2.1/32 table local", host.ToCommandArguments());
    }

    [Fact]
    public void RuleTextFollowsIpRuleShowAndIpRuleAdd()
    {
        var rule = new RuleEntry
        {
            Family = AddressFamily.InterNetwork, Priority = 32765, Invert = true, FwMark = 51820, FwMask = uint.MaxValue,
            Table = 51820,
        };
        Assert.Equal("32765: not from all fwmark 0xca6c lookup 51820", rule.ToString());
        Assert.Equal("pref 32765 not fwmark 51820 table 51820", rule.ToCommandArguments());

        var masked = new RuleEntry
        {
            Family = AddressFamily.InterNetworkV6, From = RoutePrefix.Parse("fd00::1"), FwMark = 0x10, FwMask = 0xff,
            Action = RuleAction.Goto, GotoTarget = 300, Protocol = RouteProtocol.Static,
        };
        Assert.Equal("from fd00::1 fwmark 0x10/0xff goto 300 proto static", masked.ToString());
        Assert.Equal("from fd00::1/128 fwmark 0x10/0xff goto 300 proto static", masked.ToCommandArguments());
    }

    [Fact]
    public void AddressTextIsIpAddressAddArguments()
    {
        var address = new AddressEntry(3, RoutePrefix.Parse("fe80::1/64"), RouteScope.Link,
            AddressFlags.NoDad | AddressFlags.Permanent, null, "wg0");
        Assert.Equal("fe80::1/64 dev wg0 scope link nodad", address.ToString());
        var peer = new AddressEntry(3, RoutePrefix.Parse("10.0.0.1/32"), RouteScope.Universe, AddressFlags.None,
            IPAddress.Parse("10.0.0.2"));
        Assert.Equal("10.0.0.1 peer 10.0.0.2/32 dev if3", peer.ToString());
    }

    [Fact]
    public void NamesFollowIproute2()
    {
        Assert.Equal("main", IprouteNames.Table(254));
        Assert.Equal("51820", IprouteNames.Table(51820));
        Assert.True(IprouteNames.TryParseTable("local", out uint local) && local == 255);
        Assert.True(IprouteNames.TryParseTable("0xca6c", out uint hex) && hex == 51820);
        Assert.True(IprouteNames.TryParseTable("4000000000", out uint high) && high == 4_000_000_000);
        Assert.False(IprouteNames.TryParseTable("nosuchtable", out _));
        Assert.Equal("kernel", IprouteNames.Protocol(RouteProtocol.Kernel));
        Assert.Equal("250", IprouteNames.Protocol((RouteProtocol)250));
        Assert.Equal("link", IprouteNames.Scope(RouteScope.Link));
        Assert.Equal("global", IprouteNames.Scope(RouteScope.Universe));
        Assert.True(IprouteNames.TryParseType("unreachable", out RouteType type) && type == RouteType.Unreachable);
        Assert.Equal("tcp", IprouteNames.IpProtocol(6));
        Assert.Equal("ipv6-icmp", IprouteNames.IpProtocol(58));
        Assert.Equal("ipproto-250", IprouteNames.IpProtocol(250));
        Assert.True(IprouteNames.TryParseIpProtocol("udp", out byte udp) && udp == 17);
        Assert.True(IprouteNames.TryParseIpProtocol("ipproto-250", out byte raw) && raw == 250);
    }

    [Fact]
    public void PortRangesRefuseEmptyRanges()
    {
        Assert.Equal("80-90", new PortRange(80, 90).ToString());
        Assert.Equal("53", PortRange.Single(53).ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => new NetlinkMessageBuilder().AddPortRange(1, new PortRange(90, 80)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NetlinkMessageBuilder().AddPortRange(1, new PortRange(0, 80)));
    }
}
