// Turns the [Rule] sections that route local traffic into the tunnel into kernel policy rules (`ip rule ...
// lookup T`, T's default route being the interface), so the kernel hands such traffic to the tunnel at all:
// the policy router only sees what reaches the TUN device. Negated prefixes become `goto` rules that skip
// the rule's own `lookup T` rules, which is exactly "in the positive prefixes and in no negated one".
// A [Rule] whose Peer is a `Routes = when-up` peer looks up a table of that peer's own, left empty by `up`:
// the daemon routes it into the interface only while the peer is live, and an `ip rule ... lookup T` whose
// table has no matching route falls through to the next rule (fib_rules), which is the fail-over.
using System.Net;
using System.Net.Sockets;
using WgSharp.Cli.Configuration;
using WgSharp.Tun.Netlink;
using ConfigPortRange = WgSharp.Tun.Net.PortRange;
using NetlinkPortRange = WgSharp.Tun.Net.PortRange;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Host;

internal static class SteeringPlanner
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

            if (rule.Port is { First: > NetlinkPortRange.MaxRulePort } || rule.SourcePort is { First: > NetlinkPortRange.MaxRulePort })
            {
                skipped.Add($"[Rule] on line {rule.Line} selects port 65535 only, which kernel rules cannot select: no kernel steering");
                continue;
            }

            if (rule.Port is { Last: > NetlinkPortRange.MaxRulePort } || rule.SourcePort is { Last: > NetlinkPortRange.MaxRulePort })
            {
                skipped.Add($"[Rule] on line {rule.Line}: kernel rules cannot select port 65535; the kernel steers its ports up to "
                    + $"{NetlinkPortRange.MaxRulePort} only");
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

    private static SteeringFamilyPlan? PlanFamily(AddressFamily family, InterfaceConfig config, string interfaceName, uint table,
        List<WhenUpPeerTable> whenUp, uint? deviceMark, List<RuleConfig> steered, IRoutingFacts facts, List<string> skipped)
    {
        string familyName = family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
        List<IPAddress> addresses = [.. config.Addresses.Where(a => a.Family == family).Select(a => a.Address)];
        bool tunnelCarriesFamily = config.Addresses.Count == 0 || addresses.Count > 0;
        var segments = new List<List<Item>>();
        var selectorRules = new List<RuleConfig>();
        foreach (RuleConfig rule in steered)
        {
            uint ruleTable = WhenUpPeer(config, rule) is { } peer ? whenUp.Find(t => t.PublicKey == peer.PublicKey)!.Table : table;
            if (Segment(rule, family, tunnelCarriesFamily, ruleTable) is { } segment)
            {
                segments.Add(segment);
                if (rule.Protocol is not null || rule.Port is not null || rule.SourcePort is not null)
                {
                    selectorRules.Add(rule);
                }
            }
        }

        if (segments.Count == 0)
        {
            return null;
        }

        RuleSupport support = facts.ProbeRules(family);
        if (!support.IsAvailable)
        {
            string why = support.Availability switch
            {
                RuleAvailability.Unsupported => "the kernel has no policy routing for " + familyName,
                RuleAvailability.NotPermitted => "adding policy rules is not permitted here",
                _ => "policy rules cannot be managed",
            };
            return new SteeringFamilyPlan { Family = family, UnavailableReason = $"{why} (errno {support.Errno})" };
        }

        if (!support.PortAndProtocolSelectors && selectorRules.Count > 0)
        {
            foreach (RuleConfig rule in selectorRules)
            {
                skipped.Add($"[Rule] on line {rule.Line}: this kernel has no ipproto/sport/dport rule selectors (Linux 4.17+): "
                    + $"no {familyName} kernel steering for it");
            }

            segments.RemoveAll(s => s.Exists(i => i.Rule.IpProtocol is not null || i.Rule.SourcePorts is not null || i.Rule.DestinationPorts is not null));
            if (segments.Count == 0)
            {
                return null;
            }
        }

        // The head: LAN and connected routes win; the tunnel's own packets skip the block; replies by source.
        var items = new List<Item>
        {
            new(new RuleEntry { Family = family, Table = IprouteNames.TableMain, SuppressPrefixLength = 0 }, Jump.None),
        };
        if (deviceMark is { } mark and not 0)
        {
            items.Add(new(new RuleEntry { Family = family, FwMark = mark, Action = Tun.Netlink.RuleAction.Goto }, Jump.End));
        }

        foreach (IPAddress address in addresses.Distinct())
        {
            items.Add(new(new RuleEntry { Family = family, From = RoutePrefix.Host(address), Table = table }, Jump.None));
        }

        int[] segmentStarts = new int[segments.Count + 1];
        for (int i = 0; i < segments.Count; i++)
        {
            segmentStarts[i] = items.Count;
            items.AddRange(segments[i]);
        }

        bool landing = items.Exists(i => i.Jump != Jump.None);
        segmentStarts[^1] = items.Count;
        if (landing)
        {
            items.Add(new(new RuleEntry { Family = family, Action = Tun.Netlink.RuleAction.Nop }, Jump.None));
        }

        uint first = PlaceBlock(facts.RulePriorities(family), items.Count);
        if (first == 0)
        {
            skipped.Add($"no {items.Count} free consecutive {familyName} rule priorities below {Ceiling + 1}: no {familyName} kernel steering");
            return null;
        }

        uint end = first + (uint)items.Count - 1;
        var rules = new List<RuleEntry>(items.Count);
        int segmentIndex = -1;
        for (int i = 0; i < items.Count; i++)
        {
            while (segmentIndex + 1 < segments.Count && i >= segmentStarts[segmentIndex + 1])
            {
                segmentIndex++;
            }

            RuleEntry rule = items[i].Rule with { Priority = first + (uint)i };
            rules.Add(items[i].Jump switch
            {
                Jump.End => rule with { GotoTarget = end },
                Jump.NextSegment => rule with { GotoTarget = first + (uint)segmentStarts[segmentIndex + 1] },
                _ => rule,
            });
        }

        return new SteeringFamilyPlan
        {
            Family = family,
            DefaultRoute = new RouteEntry { Destination = RoutePrefix.Default(family), OutputInterfaceName = interfaceName, Table = table },
            Rules = rules,
            WhenUpTables = [.. whenUp.Where(t => rules.Exists(r => r.Action == Tun.Netlink.RuleAction.ToTable && r.Table == t.Table))],
        };
    }

    /// <summary>
    /// The lowest priority of the highest run of <paramref name="count"/> consecutive priorities at or below
    /// <see cref="Ceiling"/> that no existing rule uses (a block of its own, so another interface's rules never
    /// interleave and `goto` lands where planned); 0 when there is none.
    /// </summary>
    public static uint PlaceBlock(IReadOnlyCollection<uint> existing, int count)
    {
        var used = new HashSet<uint>(existing);
        long top = Ceiling;
        while (top - count + 1 >= 1)
        {
            long clash = -1;
            for (long p = top; p > top - count; p--)
            {
                if (used.Contains((uint)p))
                {
                    clash = p;
                    break;
                }
            }

            if (clash < 0)
            {
                return (uint)(top - count + 1);
            }

            top = clash - 1;
        }

        return 0;
    }

    // One [Rule]'s rules for one family: `from N goto NEXT` / `to N goto NEXT` for each negated prefix, then
    // `from P to Q [ipproto] [sport] [dport] lookup T` for each pair of positive prefixes. Null when the rule
    // cannot match a packet of this family.
    private static List<Item>? Segment(RuleConfig rule, AddressFamily family, bool tunnelCarriesFamily, uint table)
    {
        if (!Sides(rule.From, family, out List<RoutePrefix?> from, out List<RoutePrefix> notFrom)
            || !Sides(rule.To, family, out List<RoutePrefix?> to, out List<RoutePrefix> notTo))
        {
            return null;
        }

        bool pinnedByPrefix = rule.From.Any(p => !p.Negated) || rule.To.Any(p => !p.Negated);
        if (!pinnedByPrefix && !tunnelCarriesFamily)
        {
            return null; // proto/port only: steer just the families the tunnel has an address of
        }

        if ((rule.Protocol == IpProtocols.Icmp && family == AddressFamily.InterNetworkV6)
            || (rule.Protocol == IpProtocols.IcmpV6 && family == AddressFamily.InterNetwork))
        {
            return null;
        }

        var items = new List<Item>();
        foreach (RoutePrefix negated in notFrom)
        {
            items.Add(new(new RuleEntry { Family = family, From = negated, Action = Tun.Netlink.RuleAction.Goto }, Jump.NextSegment));
        }

        foreach (RoutePrefix negated in notTo)
        {
            items.Add(new(new RuleEntry { Family = family, To = negated, Action = Tun.Netlink.RuleAction.Goto }, Jump.NextSegment));
        }

        foreach (RoutePrefix? source in from)
        {
            foreach (RoutePrefix? destination in to)
            {
                items.Add(new(new RuleEntry
                {
                    Family = family,
                    From = source,
                    To = destination,
                    IpProtocol = rule.Protocol,
                    SourcePorts = Ports(rule.SourcePort),
                    DestinationPorts = Ports(rule.Port),
                    Table = table,
                }, Jump.None));
            }
        }

        return items;
    }

    // The positive prefixes of the family (a single null for "any" when the list has no positive prefix at all)
    // and the negated ones; false when the list has positive prefixes, none of them of this family.
    private static bool Sides(IReadOnlyList<PrefixSelector> list, AddressFamily family, out List<RoutePrefix?> positive, out List<RoutePrefix> negated)
    {
        positive = [.. list.Where(p => !p.Negated && p.Network.BaseAddress.AddressFamily == family).Select(p => (RoutePrefix?)ToPrefix(p.Network))];
        negated = [.. list.Where(p => p.Negated && p.Network.BaseAddress.AddressFamily == family).Select(p => ToPrefix(p.Network))];
        if (positive.Count == 0)
        {
            if (list.Any(p => !p.Negated))
            {
                return false;
            }

            positive.Add(null);
        }

        // A positive /0 selects everything of the family: `from all`.
        for (int i = 0; i < positive.Count; i++)
        {
            if (positive[i] is { Length: 0 })
            {
                positive[i] = null;
            }
        }

        positive = [.. positive.Distinct()];
        return true;
    }

    private static RoutePrefix ToPrefix(IPNetwork network) => new(network.BaseAddress, network.PrefixLength);

    // Port 0 is no port (the parser refuses it); 65535 is beyond what a rule can select (see MaxRulePort).
    private static NetlinkPortRange? Ports(ConfigPortRange? range) =>
        range is { } r
            ? new NetlinkPortRange(Math.Clamp(r.First, (ushort)1, NetlinkPortRange.MaxRulePort), Math.Clamp(r.Last, (ushort)1, NetlinkPortRange.MaxRulePort))
            : null;

    private enum Jump
    {
        None,

        /// <summary>goto the last rule of the block (the nop landing).</summary>
        End,

        /// <summary>goto the first rule after this [Rule]'s own rules.</summary>
        NextSegment,
    }

    private readonly record struct Item(RuleEntry Rule, Jump Jump);
}
