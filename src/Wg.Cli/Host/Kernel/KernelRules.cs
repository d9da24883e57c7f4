// Every policy rule the program installs, each built here and named after what it is for (ip-rule(8) syntax in
// the comments); `up`'s planners compose them and nothing else in the CLI makes a RuleEntry. Priorities and goto
// targets are placed by the planner that orders them.
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal static class KernelRules
{
    /// <summary>The interface that output route lookups carry as their input interface (ip-rule(8): iif lo).</summary>
    public const string LoopbackInterface = "lo";

    /// <summary>`not fwmark T lookup T`: wg-quick's default route, everything but the tunnel's own marked packets
    /// looks up the policy table T (whose number doubles as the mark).</summary>
    public static RuleEntry UnmarkedToTable(AddressFamily family, uint table) =>
        new() { Family = family, Invert = true, FwMark = table, Table = table };

    /// <summary>`lookup main suppress_prefixlength 0`: main's routes win (connected and LAN routes) except its
    /// default route, which would take the traffic past the tunnel.</summary>
    public static RuleEntry MainWithoutDefault(AddressFamily family) =>
        new() { Family = family, Table = IprouteNames.TableMain, SuppressPrefixLength = 0 };

    /// <summary>`fwmark M goto END`: the tunnel's own encrypted packets skip a steering block.</summary>
    public static RuleEntry MarkedSkip(AddressFamily family, uint mark) =>
        new() { Family = family, FwMark = mark, Action = RuleAction.Goto };

    /// <summary>`from A lookup T`: replies from a tunnel address go back through the tunnel.</summary>
    public static RuleEntry FromAddress(AddressFamily family, IPAddress address, uint table) =>
        new() { Family = family, From = RoutePrefix.Host(address), Table = table };

    /// <summary>`from N goto NEXT`: a negated source prefix skips the rest of its [Rule]'s rules.</summary>
    public static RuleEntry SkipFrom(AddressFamily family, RoutePrefix negated) =>
        new() { Family = family, From = negated, Action = RuleAction.Goto };

    /// <summary>`to N goto NEXT`: a negated destination prefix skips the rest of its [Rule]'s rules.</summary>
    public static RuleEntry SkipTo(AddressFamily family, RoutePrefix negated) =>
        new() { Family = family, To = negated, Action = RuleAction.Goto };

    /// <summary>`from P to Q [ipproto X] [sport A-B] [dport C-D] lookup T`: one steering rule of a [Rule] (null
    /// selectors match anything).</summary>
    public static RuleEntry Steer(AddressFamily family, RoutePrefix? from, RoutePrefix? to, byte? protocol,
        PortRange? sourcePorts, PortRange? destinationPorts, uint table) => new()
    {
        Family = family,
        From = from,
        To = to,
        IpProtocol = protocol,
        SourcePorts = sourcePorts,
        DestinationPorts = destinationPorts,
        Table = table,
    };

    /// <summary>`nop`: where a steering block's gotos land.</summary>
    public static RuleEntry Landing(AddressFamily family) => new() { Family = family, Action = RuleAction.Nop };

    /// <summary>
    /// wg-quick's raw-table rule as three `pref 0 proto static` rules for one tunnel address A, in the order they
    /// must be added: `to A iif &lt;tunnel&gt; lookup local` (arrived through the tunnel: deliver), `to A iif lo lookup
    /// local` (sent by this host), `to A blackhole` (anything else). Proto static keeps the local rule's deletion
    /// (proto kernel) from matching them.
    /// </summary>
    public static RuleEntry[] TunnelAddressGuard(IPAddress address, string interfaceName)
    {
        RoutePrefix host = RoutePrefix.Host(address);
        return
        [
            new RuleEntry { Family = host.Family, Priority = 0, To = host, InputInterface = interfaceName, Table = IprouteNames.TableLocal, Protocol = RouteProtocol.Static },
            new RuleEntry { Family = host.Family, Priority = 0, To = host, InputInterface = LoopbackInterface, Table = IprouteNames.TableLocal, Protocol = RouteProtocol.Static },
            new RuleEntry { Family = host.Family, Priority = 0, To = host, Action = RuleAction.Blackhole, Protocol = RouteProtocol.Static },
        ];
    }

    /// <summary>The kernel's (or an administrator's) plain `from all lookup local` rule.</summary>
    public static bool IsLocalRule(RuleEntry rule) =>
        rule.Table == IprouteNames.TableLocal && rule.Action == RuleAction.ToTable && !rule.Invert
        && rule.From is null && rule.To is null && rule.FwMark is null && rule.FwMask is null
        && rule.InputInterface is null && rule.OutputInterface is null && rule.IpProtocol is null
        && rule.SourcePorts is null && rule.DestinationPorts is null && rule.Tos == 0;

    /// <summary>Whether <paramref name="listed"/> (read back from the kernel) is the rule <paramref name="asked"/> for,
    /// priority aside: how `up` learns the priority the kernel gave a rule added without one.</summary>
    public static bool SameSelector(RuleEntry listed, RuleEntry asked) =>
        listed.Invert == asked.Invert && listed.To == asked.To && listed.FwMark == asked.FwMark
        && listed.Table == asked.Table && listed.SuppressPrefixLength == asked.SuppressPrefixLength
        && listed.InputInterface == asked.InputInterface && listed.Action == asked.Action;

    /// <summary>Whether <paramref name="listed"/> kept the ipproto/sport/dport selectors of <paramref name="asked"/>:
    /// kernels before Linux 4.17 accept them unknown and install the rule without them.</summary>
    public static bool KeptSelectors(RuleEntry listed, RuleEntry asked) =>
        listed.Priority == asked.Priority && listed.Table == asked.Table
        && listed.From == asked.From && listed.To == asked.To && listed.IpProtocol == asked.IpProtocol
        && listed.SourcePorts == asked.SourcePorts && listed.DestinationPorts == asked.DestinationPorts;
}
