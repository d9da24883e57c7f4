// RtNetlink policy rules against the kernel: wg-quick's default-route rules, selectors, errors, probing, free tables.
using System.Net.Sockets;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;
using WgSharp.Tun.Tests.Support;

namespace WgSharp.Tun.Tests.Netlink;

public class RuleTests
{
    [RootTheory]
    [InlineData(AddressFamily.InterNetwork, "-4")]
    [InlineData(AddressFamily.InterNetworkV6, "-6")]
    public void WgQuickDefaultRouteRulesAreAddedListedAndRemovedLeavingIpRuleAsItWas(AddressFamily family, string option)
    {
        using var lab = new NetlinkLab();
        string[] before = lab.IpLines(option, "rule", "show");
        // What wg-quick runs for AllowedIPs = 0.0.0.0/0 (or ::/0) with Table = auto, in its order.
        var notMarked = new RuleEntry { Family = family, Invert = true, FwMark = 51820, Table = 51820 };
        var suppressMain = new RuleEntry { Family = family, Table = IprouteNames.TableMain, SuppressPrefixLength = 0 };
        Assert.Equal("not fwmark 51820 table 51820", notMarked.ToCommandArguments());
        Assert.Equal("table main suppress_prefixlength 0", suppressMain.ToCommandArguments());

        lab.Netlink.AddRule(notMarked);
        lab.Netlink.AddRule(suppressMain);

        string[] after = lab.IpLines(option, "rule", "show");
        Assert.Contains("32765: not from all fwmark 0xca6c lookup 51820", after);
        Assert.Contains("32764: from all lookup main suppress_prefixlength 0", after);
        IReadOnlyList<RuleEntry> listed = lab.Netlink.ListRules(family);
        Assert.Equal(after, listed.Select(r => r.ToString()));
        RuleEntry listedNotMarked = Assert.Single(listed, r => r.Table == 51820);
        Assert.Equal((32765u, true, 51820u, uint.MaxValue), (listedNotMarked.Priority, listedNotMarked.Invert,
            listedNotMarked.FwMark, listedNotMarked.FwMask));
        RuleEntry listedSuppress = Assert.Single(listed, r => r.SuppressPrefixLength is not null);
        Assert.Equal(0, listedSuppress.SuppressPrefixLength);
        Assert.All(listed.Where(r => r != listedSuppress), r => Assert.Null(r.SuppressPrefixLength));

        // What wg-quick runs on down: "ip rule delete table 51820" and "ip rule delete table main suppress_prefixlength 0".
        lab.Netlink.DeleteRule(new RuleEntry { Family = family, Table = 51820 });
        lab.Netlink.DeleteRule(new RuleEntry { Family = family, Table = IprouteNames.TableMain, SuppressPrefixLength = 0 });

        Assert.Equal(before, lab.IpLines(option, "rule", "show"));
        Assert.Equal(before, lab.Netlink.ListRules(family).Select(r => r.ToString()));
    }

    [RootFact]
    public void ProtocolPortInterfaceAndMaskSelectorsRoundTripThroughTheKernel()
    {
        using var lab = new NetlinkLab();
        string[] before = lab.IpLines("rule", "show");
        RuleEntry[] rules =
        [
            new()
            {
                Family = AddressFamily.InterNetwork, IpProtocol = 6, SourcePorts = PortRange.Single(5),
                DestinationPorts = new PortRange(80, 90), Table = 100,
            },
            new()
            {
                Family = AddressFamily.InterNetwork, Priority = 1000, IpProtocol = 17, DestinationPorts = PortRange.Single(53),
                Table = 4_000_000_000,
            },
            new()
            {
                Family = AddressFamily.InterNetwork, Priority = 100, From = RoutePrefix.Parse("10.1.0.0/24"),
                To = RoutePrefix.Parse("10.2.0.1/32"), FwMark = 0x10, FwMask = 0xff, InputInterface = lab.Link,
                OutputInterface = lab.Peer, Action = RuleAction.Prohibit,
            },
            new()
            {
                Family = AddressFamily.InterNetworkV6, Priority = 200, From = RoutePrefix.Parse("fd00::/8"),
                IpProtocol = 58, Table = 51820,
            },
        ];
        foreach (RuleEntry rule in rules)
        {
            lab.Netlink.AddRule(rule);
        }

        string[] v4 = lab.IpLines("rule", "show");
        Assert.Contains("32765: from all ipproto tcp sport 5 dport 80-90 lookup 100", v4);
        Assert.Contains("1000: from all ipproto udp dport 53 lookup 4000000000", v4);
        Assert.Contains($"100: from 10.1.0.0/24 to 10.2.0.1 fwmark 0x10/0xff iif {lab.Link} oif {lab.Peer} prohibit", v4);
        Assert.Equal(v4, lab.Netlink.ListRules(AddressFamily.InterNetwork).Select(r => r.ToString()));
        string[] v6 = lab.IpLines("-6", "rule", "show");
        Assert.Contains("200: from fd00::/8 ipproto ipv6-icmp lookup 51820", v6);
        Assert.Equal(v6, lab.Netlink.ListRules(AddressFamily.InterNetworkV6).Select(r => r.ToString()));

        // The parsed entries carry every selector: deleting each one as listed removes exactly it.
        foreach (RuleEntry listed in lab.Netlink.ListRules(AddressFamily.InterNetwork).Where(r => r.Priority is 100 or 1000 or 32765))
        {
            lab.Netlink.DeleteRule(listed);
        }
        lab.Netlink.DeleteRule(rules[3]);
        Assert.Equal(before, lab.IpLines("rule", "show"));
        Assert.DoesNotContain(lab.IpLines("-6", "rule", "show"), line => line.StartsWith("200:"));
    }

    [RootFact]
    public void DuplicateRuleIsEexistAndDeletingAnAbsentRuleIsEnoent()
    {
        using var lab = new NetlinkLab();
        var rule = new RuleEntry { Family = AddressFamily.InterNetwork, Priority = 500, FwMark = 7, Table = 51820 };
        lab.Netlink.AddRule(rule);

        var duplicate = Assert.Throws<NetlinkException>(() => lab.Netlink.AddRule(rule));
        Assert.Equal(Errno.EEXIST, duplicate.Errno);
        Assert.Equal("ip -4 rule add pref 500 fwmark 7 table 51820", duplicate.Operation);

        var absent = Assert.Throws<NetlinkException>(() => lab.Netlink.DeleteRule(rule with { Table = 51821 }));
        Assert.Equal(Errno.ENOENT, absent.Errno);
        Assert.Equal(Errno.ENOENT, Assert.Throws<NetlinkException>(() =>
            lab.Netlink.DeleteRule(new RuleEntry { Family = AddressFamily.InterNetworkV6, Table = 51820 })).Errno);
    }

    [RootFact]
    public void ProbeFindsRulesAndPortSelectorsAvailableAndChangesNothing()
    {
        using var lab = new NetlinkLab();
        string[] before4 = lab.IpLines("-4", "rule", "show");
        string[] before6 = lab.IpLines("-6", "rule", "show");

        RuleSupport v4 = lab.Netlink.ProbeRules(AddressFamily.InterNetwork);
        RuleSupport v6 = lab.Netlink.ProbeRules(AddressFamily.InterNetworkV6);

        Assert.Equal(new RuleSupport(RuleAvailability.Available, Errno.None, true), v4);
        Assert.Equal(new RuleSupport(RuleAvailability.Available, Errno.None, true), v6);
        Assert.Equal(before4, lab.IpLines("-4", "rule", "show"));
        Assert.Equal(before6, lab.IpLines("-6", "rule", "show"));
    }

    [RootFact]
    public void ProbeReportsAFamilyWithoutPolicyRoutingAsUnsupported()
    {
        using var lab = new NetlinkLab();

        // AF_AX25 (3) registers no FIB rules: the kernel answers EAFNOSUPPORT, as an IPv4 kernel without
        // CONFIG_IP_MULTIPLE_TABLES does for AF_INET.
        RuleSupport support = lab.Netlink.ProbeRules((byte)3);

        Assert.Equal(RuleAvailability.Unsupported, support.Availability);
        Assert.Equal(Errno.EAFNOSUPPORT, support.Errno);
        Assert.False(support.IsAvailable);
    }

    [RootFact]
    public void ProbeReportsNotPermittedWithoutCapNetAdminAndDoesNotThrow()
    {
        using var ns = new NetNs();
        RuleSupport support = ns.Run(() =>
        {
            TestLibC.DropEffectiveCapabilities(TestLibC.CAP_NET_ADMIN);
            using RtNetlink netlink = RtNetlink.Open();
            return netlink.ProbeRules(AddressFamily.InterNetwork);
        });

        Assert.Equal(new RuleSupport(RuleAvailability.NotPermitted, Errno.EPERM, false), support);
    }

    [RootFact]
    public void ProbeOfADisposedClientFailsWithoutThrowing()
    {
        using var lab = new NetlinkLab();
        lab.Netlink.Dispose();

        RuleSupport support = lab.Netlink.ProbeRules(AddressFamily.InterNetwork);

        Assert.Equal(RuleAvailability.Failed, support.Availability);
        Assert.Equal(Errno.EBADF, support.Errno);
    }

    [RootFact]
    public void TableIsFreeOnlyWithoutRoutesAndWithoutRulesReferringToIt()
    {
        using var lab = new NetlinkLab();
        Assert.True(lab.Netlink.IsTableFree(51820));
        Assert.Equal(51820u, lab.Netlink.FindFreeTable());
        Assert.False(lab.Netlink.IsTableFree(IprouteNames.TableMain));
        Assert.False(lab.Netlink.IsTableFree(IprouteNames.TableLocal));
        Assert.False(lab.Netlink.IsTableFree(0));
        Assert.Equal(1u, lab.Netlink.FindFreeTable(0));
        Assert.True(lab.Netlink.IsTableFree(uint.MaxValue));

        var route = new RouteEntry { Destination = RoutePrefix.Parse("::/0"), OutputInterface = lab.LinkIndex, Table = 51820 };
        lab.Netlink.AddRoute(route);
        Assert.False(lab.Netlink.IsTableFree(51820));
        Assert.Equal(51821u, lab.Netlink.FindFreeTable());
        lab.Netlink.DeleteRoute(route);
        Assert.True(lab.Netlink.IsTableFree(51820));

        var rule = new RuleEntry { Family = AddressFamily.InterNetwork, FwMark = 1, Table = 51820 };
        lab.Netlink.AddRule(rule);
        lab.Netlink.AddRule(rule with { Table = 51821, FwMark = 2 });
        Assert.False(lab.Netlink.IsTableFree(51820));
        Assert.Equal(51822u, lab.Netlink.FindFreeTable());
        Assert.Equal(51822u, lab.Netlink.FindFreeTable(51821));
        Assert.Equal(7u, lab.Netlink.FindFreeTable(7));
    }
}
