// The machine's routing as `syncconf` re-plans an interface's [Rule] steering: as it is, except that the steering
// `up` recorded for the interface is not there (its priorities and tables count as free), so an unchanged [Rule]
// set plans to exactly what is installed and a changed one reuses the block's place and tables.
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed class ReplanRoutingFacts(IRoutingFacts facts, QuickState state) : IRoutingFacts
{
    private readonly HashSet<uint> _ownTables = OwnTables(state);

    public RuleSupport ProbeRules(AddressFamily family) => facts.ProbeRules(family);

    public IReadOnlyCollection<uint> RulePriorities(AddressFamily family)
    {
        // A priority another rule shares stays taken: only the interface's own steering rules are taken away.
        var own = state.Rules.Where(r => r.Steering && r.Family == family && r.Priority is not null)
            .Select(r => r.Priority!.Value).ToList();
        var priorities = new List<uint>();
        foreach (uint priority in facts.RulePriorities(family))
        {
            if (!own.Remove(priority))
            {
                priorities.Add(priority);
            }
        }

        return priorities;
    }

    public uint FindFreeTable(uint first)
    {
        uint free = facts.FindFreeTable(first);
        foreach (uint own in _ownTables)
        {
            if (own >= first && (free == 0 || own < free))
            {
                free = own;
            }
        }

        return free;
    }

    public RouteLookup? RouteTo(IPAddress destination) => facts.RouteTo(destination);

    public int? DefaultRouteMtu() => facts.DefaultRouteMtu();

    public int? ReversePathFilter(string device) => facts.ReversePathFilter(device);

    // The steering table and the when-up peers' tables hold nothing but the interface's own steering.
    private static HashSet<uint> OwnTables(QuickState state)
    {
        var tables = new HashSet<uint>(state.WhenUpSteering.Select(w => w.Table));
        if (state.SteeringTable is { } table)
        {
            tables.Add(table);
        }

        tables.Remove(0);
        if (state.PolicyTable is { } policy)
        {
            tables.Remove(policy); // a when-up peer's default route table, not steering
        }

        return tables;
    }
}
