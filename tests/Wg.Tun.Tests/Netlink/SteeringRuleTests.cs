// A steering block as `wgsharp up` builds it, against the kernel in a fresh namespace: suppress_prefixlength
// companion, fwmark goto guard, ipproto/sport/dport selectors, negation gotos and the nop landing are added,
// read back with every selector, route packets as intended (`ip route get`), and delete exactly.
using System.Net.Sockets;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;
using WgSharp.Tun.Tests.Support;

namespace WgSharp.Tun.Tests.Netlink;

public class SteeringRuleTests
{
    private const uint Table = 51820;

    private static RuleEntry[] Block(NetlinkLab lab) =>
    [
        new() { Family = AddressFamily.InterNetwork, Priority = 32758, Table = IprouteNames.TableMain, SuppressPrefixLength = 0 },
        new() { Family = AddressFamily.InterNetwork, Priority = 32759, FwMark = Table, Action = RuleAction.Goto, GotoTarget = 32765 },
        new() { Family = AddressFamily.InterNetwork, Priority = 32760, From = RoutePrefix.Parse("10.5.0.2/32"), Table = Table },
        new() { Family = AddressFamily.InterNetwork, Priority = 32761, To = RoutePrefix.Parse("203.0.113.128/25"), Action = RuleAction.Goto, GotoTarget = 32763 },
        new() { Family = AddressFamily.InterNetwork, Priority = 32762, To = RoutePrefix.Parse("203.0.113.0/24"), Table = Table },
        new()
        {
            Family = AddressFamily.InterNetwork, Priority = 32763, IpProtocol = 6, SourcePorts = new PortRange(1024, PortRange.MaxRulePort),
            DestinationPorts = PortRange.Single(25), Table = Table,
        },
        new() { Family = AddressFamily.InterNetwork, Priority = 32764, From = RoutePrefix.Parse("192.168.2.0/24"), IpProtocol = 17, Table = Table },
        new() { Family = AddressFamily.InterNetwork, Priority = 32765, Action = RuleAction.Nop },
    ];

    [RootFact]
    public void A_steering_block_round_trips_with_every_selector_and_deletes_exactly()
    {
        using var lab = new NetlinkLab();
        string[] before = lab.IpLines("-4", "rule", "show");
        RuleEntry[] block = Block(lab);
        foreach (RuleEntry rule in block)
        {
            lab.Netlink.AddRule(rule);
        }

        string[] shown = lab.IpLines("-4", "rule", "show");
        Assert.Contains("32758: from all lookup main suppress_prefixlength 0", shown);
        Assert.Contains("32759: from all fwmark 0xca6c goto 32765", shown);
        Assert.Contains("32760: from 10.5.0.2 lookup 51820", shown);
        Assert.Contains("32761: from all to 203.0.113.128/25 goto 32763", shown);
        Assert.Contains("32763: from all ipproto tcp sport 1024-65534 dport 25 lookup 51820", shown);
        Assert.Contains("32764: from 192.168.2.0/24 ipproto udp lookup 51820", shown);
        Assert.Contains("32765: from all nop", shown);
        Assert.Equal(shown, lab.Netlink.ListRules(AddressFamily.InterNetwork).Select(r => r.ToString()));

        // Read back, each rule equals what was asked (the kernel kept every selector); deleting as asked removes it.
        IReadOnlyList<RuleEntry> listed = lab.Netlink.ListRules(AddressFamily.InterNetwork);
        foreach (RuleEntry rule in block)
        {
            RuleEntry back = Assert.Single(listed, r => r.Priority == rule.Priority);
            Assert.Equal(rule with { FwMask = back.FwMask, Protocol = back.Protocol }, back);
        }

        // The kernel cannot select port 65535: a range ending there is refused.
        var withTop = new RuleEntry { Family = AddressFamily.InterNetwork, Priority = 100, DestinationPorts = new PortRange(1, 65535), Table = Table };
        Assert.Equal(Errno.EINVAL, Assert.Throws<NetlinkException>(() => lab.Netlink.AddRule(withTop)).Errno);

        foreach (RuleEntry rule in block.Reverse())
        {
            lab.Netlink.DeleteRule(rule);
        }

        Assert.Equal(before, lab.IpLines("-4", "rule", "show"));
    }

    [RootFact]
    public void The_block_sends_selected_traffic_to_the_table_and_lets_connected_routes_negations_and_marked_packets_pass()
    {
        using var lab = new NetlinkLab();
        lab.Ip("address", "add", "192.0.2.1/24", "dev", lab.Link);
        lab.Ip("address", "add", "10.5.0.2/32", "dev", lab.Peer);
        lab.Ip("route", "add", "default", "via", "192.0.2.254", "dev", lab.Link);
        lab.Netlink.AddRoute(new RouteEntry { Destination = RoutePrefix.Parse("0.0.0.0/0"), OutputInterface = lab.PeerIndex, Table = Table });
        foreach (RuleEntry rule in Block(lab))
        {
            lab.Netlink.AddRule(rule);
        }

        string Via(params string[] selector) => lab.Ip(["route", "get", .. selector]);
        string tunnel = "dev v1 table 51820";
        Assert.Contains(tunnel, Via("198.51.100.9", "ipproto", "tcp", "sport", "40000", "dport", "25"), StringComparison.Ordinal);
        Assert.DoesNotContain("table 51820", Via("198.51.100.9", "ipproto", "tcp", "sport", "40000", "dport", "80"), StringComparison.Ordinal);
        Assert.DoesNotContain("table 51820", Via("198.51.100.9", "ipproto", "udp", "sport", "40000", "dport", "25"), StringComparison.Ordinal);
        // Connected routes win over steering (the suppress_prefixlength 0 companion).
        Assert.DoesNotContain("table 51820", Via("192.0.2.7", "ipproto", "tcp", "sport", "40000", "dport", "25"), StringComparison.Ordinal);
        // to 203.0.113.0/24 is steered, except 203.0.113.128/25 (the negation's goto), which still meets the port rule.
        Assert.Contains(tunnel, Via("203.0.113.9"), StringComparison.Ordinal);
        Assert.DoesNotContain("table 51820", Via("203.0.113.200"), StringComparison.Ordinal);
        Assert.Contains(tunnel, Via("203.0.113.200", "ipproto", "tcp", "sport", "40000", "dport", "25"), StringComparison.Ordinal);
        // The tunnel's own packets (fwmark) skip the block.
        Assert.DoesNotContain("table 51820", Via("198.51.100.9", "mark", "51820", "ipproto", "tcp", "sport", "40000", "dport", "25"), StringComparison.Ordinal);
        // Reply routing by source address.
        Assert.Contains(tunnel, Via("198.51.100.9", "from", "10.5.0.2"), StringComparison.Ordinal);
    }
}
