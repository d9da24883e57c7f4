// The rule block of one address family, in priority order: the head (main without its default route, the
// tunnel's marked packets skipping the block, replies by source address), each steered [Rule]'s segment (its
// negation gotos, then its lookups), the nop landing; placed in the highest free run of priorities below `lookup
// main`, with each goto pointed at the priority it skips to.
using System.Net;
using System.Net.Sockets;
using WgSharp.Cli.Configuration;
using WgSharp.Tun;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal static partial class SteeringPlanner
{
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
            return new SteeringFamilyPlan { Family = family, UnavailableReason = $"{why} (errno {support.Errno.Number()})" };
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
            new(KernelRules.MainWithoutDefault(family), Jump.None),
        };
        if (deviceMark is { } mark and not 0)
        {
            items.Add(new(KernelRules.MarkedSkip(family, mark), Jump.End));
        }

        foreach (IPAddress address in addresses.Distinct())
        {
            items.Add(new(KernelRules.FromAddress(family, address, table), Jump.None));
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
            items.Add(new(KernelRules.Landing(family), Jump.None));
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
            DefaultRoute = KernelRoutes.Through(RoutePrefix.Default(family), interfaceName, table),
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
            items.Add(new(KernelRules.SkipFrom(family, negated), Jump.NextSegment));
        }

        foreach (RoutePrefix negated in notTo)
        {
            items.Add(new(KernelRules.SkipTo(family, negated), Jump.NextSegment));
        }

        foreach (RoutePrefix? source in from)
        {
            foreach (RoutePrefix? destination in to)
            {
                items.Add(new(KernelRules.Steer(family, source, destination, rule.Protocol, Ports(rule.SourcePort), Ports(rule.Port), table),
                    Jump.None));
            }
        }

        return items;
    }

    // The positive prefixes of the family (a single null for "any" when the list has no positive prefix at all)
    // and the negated ones; false when the list has positive prefixes, none of them of this family.
    private static bool Sides(IReadOnlyList<PrefixSelector> list, AddressFamily family, out List<RoutePrefix?> positive, out List<RoutePrefix> negated)
    {
        positive = [.. list.Where(p => !p.Negated && p.Network.BaseAddress.AddressFamily == family).Select(p => (RoutePrefix?)RoutePrefix.FromNetwork(p.Network))];
        negated = [.. list.Where(p => p.Negated && p.Network.BaseAddress.AddressFamily == family).Select(p => RoutePrefix.FromNetwork(p.Network))];
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

    // Port 0 is no port (the parser refuses it); 65535 is beyond what a rule can select (see MaxRulePort).
    private static PortRange? Ports(PortRange? range) =>
        range is { } r
            ? new PortRange(Math.Clamp(r.First, (ushort)1, PortRange.MaxRulePort), Math.Clamp(r.Last, (ushort)1, PortRange.MaxRulePort))
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
