// Turns the [Rule] sections that route local traffic into the tunnel into kernel policy rules (`ip rule ...
// lookup T`, T's default route being the interface), so the kernel hands such traffic to the tunnel at all:
// the policy router only sees what reaches the TUN device. Negated prefixes become `goto` rules that skip
// the rule's own `lookup T` rules, which is exactly "in the positive prefixes and in no negated one".
// A [Rule] whose Peer is a `Routes = when-up` peer looks up a table of that peer's own, left empty by `up`:
// the daemon routes it into the interface only while the peer is live, and an `ip rule ... lookup T` whose
// table has no matching route falls through to the next rule (fib_rules), which is the fail-over.
using System.Net.Sockets;
using WgSharp.Cli.Configuration;
using WgSharp.Tun.Netlink;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Host;

internal static partial class SteeringPlanner
{
    /// <summary>The highest priority a steering block may use: just above `lookup main` (32766).</summary>
    public const uint Ceiling = 32765;

    /// <summary>
    /// The steering for <paramref name="config"/>; null when nothing is to be steered (no [Rule] routes local
    /// traffic into the tunnel by From/To/Protocol/Port/SourcePort).
    /// </summary>
    /// <param name="policyTable">The table `up` uses for a policy-routed default route, which steering must not share.</param>
    /// <param name="deviceMark">The fwmark the device will have (file or policy routing); null for none.</param>
    /// <param name="warning">Set when steering is wanted but impossible (no free table).</param>
    public static SteeringPlan? Plan(InterfaceConfig config, string interfaceName, uint? policyTable, uint? deviceMark,
        IRoutingFacts facts, out string? warning)
    {
        warning = null;
        var skipped = new List<string>();
        var steered = new List<RuleConfig>();
        foreach (RuleConfig rule in config.Rules)
        {
            if (!RoutesLocalTrafficIntoTunnel(rule))
            {
                continue;
            }

            if (rule.Port is { First: > PortRange.MaxRulePort } || rule.SourcePort is { First: > PortRange.MaxRulePort })
            {
                skipped.Add($"[Rule] on line {rule.Line} selects port 65535 only, which kernel rules cannot select: no kernel steering");
                continue;
            }

            if (rule.Port is { Last: > PortRange.MaxRulePort } || rule.SourcePort is { Last: > PortRange.MaxRulePort })
            {
                skipped.Add($"[Rule] on line {rule.Line}: kernel rules cannot select port 65535; the kernel steers its ports up to "
                    + $"{PortRange.MaxRulePort} only");
            }

            if (rule.Mark is not null)
            {
                skipped.Add($"[Rule] on line {rule.Line} matches Mark {rule.Mark}, a mark only the policy router sets: no kernel steering");
                continue;
            }

            if (rule.From.Count == 0 && rule.To.Count == 0 && rule.Protocol is null && rule.Port is null && rule.SourcePort is null)
            {
                skipped.Add($"[Rule] on line {rule.Line} has no From, To, Protocol, Port or SourcePort: nothing to steer by in the kernel "
                    + "(AllowedIPs decide what the kernel routes into the tunnel)");
                continue;
            }

            steered.Add(rule);
        }

        if (steered.Count == 0)
        {
            return null;
        }

        (uint table, string origin) = ChooseTable(config, policyTable, facts);
        if (table == 0)
        {
            warning = $"no routing table from {RtNetlink.FirstAutomaticTable} up is free: [Rule] steering of local traffic is not installed";
            return null;
        }

        uint[] taken = policyTable is { } policy ? [table, policy] : [table];
        List<WhenUpPeerTable>? whenUp = ChooseWhenUpTables(config, steered, taken, facts);
        if (whenUp is null)
        {
            warning = $"no routing table from {RtNetlink.FirstAutomaticTable} up is free for a Routes = when-up peer: "
                + "[Rule] steering of local traffic is not installed";
            return null;
        }

        var families = new List<SteeringFamilyPlan>();
        foreach (AddressFamily family in (ReadOnlySpan<AddressFamily>)[AddressFamily.InterNetwork, AddressFamily.InterNetworkV6])
        {
            if (PlanFamily(family, config, interfaceName, table, whenUp, deviceMark, steered, facts, skipped) is { } plan)
            {
                families.Add(plan);
            }
        }

        return new SteeringPlan
        {
            Table = table,
            TableOrigin = origin,
            FirewallMark = deviceMark,
            WhenUpTables = whenUp,
            Families = families,
            Skipped = skipped,
        };
    }

    /// <summary>
    /// A table of its own for each `Routes = when-up` peer that a steered [Rule] sends to, in the order the rules
    /// first name them: the first free tables from 51820 other than <paramref name="taken"/> and each other; null when
    /// the tables run out.
    /// </summary>
    public static List<WhenUpPeerTable>? ChooseWhenUpTables(InterfaceConfig config, IReadOnlyList<RuleConfig> steered,
        IReadOnlyCollection<uint> taken, IRoutingFacts facts)
    {
        var tables = new List<WhenUpPeerTable>();
        var used = new HashSet<uint>(taken);
        uint next = RtNetlink.FirstAutomaticTable;
        foreach (RuleConfig rule in steered)
        {
            if (WhenUpPeer(config, rule) is not { } peer || tables.Exists(t => t.PublicKey == peer.PublicKey))
            {
                continue;
            }

            uint free = facts.FindFreeTable(next);
            while (free != 0 && used.Contains(free))
            {
                free = free == uint.MaxValue ? 0 : facts.FindFreeTable(free + 1);
            }

            if (free == 0)
            {
                return null;
            }

            used.Add(free);
            tables.Add(new WhenUpPeerTable(peer.PublicKey, peer.Name!, free));
            next = free == uint.MaxValue ? free : free + 1;
        }

        return tables;
    }

    /// <summary>The peer <paramref name="rule"/> sends to when that peer has `Routes = when-up`; otherwise null.</summary>
    public static PeerConfig? WhenUpPeer(InterfaceConfig config, RuleConfig rule) =>
        rule.Peer is { } name ? config.Peers.Find(p => p.Name == name && p.Routes == RoutesPolicy.WhenUp) : null;

    /// <summary>Input = tun (the local side), Action = route (with or without a Peer), not a SetMark rule.</summary>
    public static bool RoutesLocalTrafficIntoTunnel(RuleConfig rule) =>
        rule.Input is null && rule.Action == Router.Configuration.RouterRuleAction.Route && rule.SetMark is null;

    /// <summary>
    /// The file's Table when it names a table of its own; otherwise (auto, off, or main/local/default, whose default
    /// route must not become the tunnel) wg-quick's choice: the first free table from 51820, other than the policy
    /// table. Table = off only keeps AllowedIPs routes out; the steering the rules ask for is still installed.
    /// </summary>
    public static (uint Table, string Origin) ChooseTable(InterfaceConfig config, uint? policyTable, IRoutingFacts facts)
    {
        if (config.Table.Mode == RouteTableMode.Table
            && config.Table.Id is not (0 or IprouteNames.TableMain or IprouteNames.TableLocal or IprouteNames.TableDefault))
        {
            return (config.Table.Id, $"Table = {config.Table}");
        }

        uint free = facts.FindFreeTable(RtNetlink.FirstAutomaticTable);
        if (free != 0 && free == policyTable)
        {
            free = free == uint.MaxValue ? 0 : facts.FindFreeTable(free + 1);
        }

        string why = config.Table.Mode switch
        {
            RouteTableMode.Off => "Table = off keeps AllowedIPs routes out, not [Rule] steering",
            RouteTableMode.Table => $"Table = {config.Table} must keep its own default route",
            _ => "Table = auto",
        };
        return (free, $"first free from {RtNetlink.FirstAutomaticTable}; {why}");
    }
}
