// What `up` needs to know about the machine's routing before it changes anything, behind an interface
// so the planner can be tested with any answer (rules unavailable, no free table, strict rp_filter).
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal interface IRoutingFacts
{
    /// <summary>Whether policy rules can be added for <paramref name="family"/>.</summary>
    RuleSupport ProbeRules(AddressFamily family);

    /// <summary>The priorities of the existing rules of <paramref name="family"/> (none when the family has no
    /// policy routing), so `up` can place its steering rules where nothing is yet.</summary>
    IReadOnlyCollection<uint> RulePriorities(AddressFamily family);

    /// <summary>The first table from <paramref name="first"/> up with no routes and no rules; 0 when none.</summary>
    uint FindFreeTable(uint first);

    /// <summary>The route a packet to <paramref name="destination"/> takes now (`ip route get`); null when unreachable.</summary>
    RouteLookup? RouteTo(IPAddress destination);

    /// <summary>The MTU of the main table's IPv4 default route (its own, or its device's); null without one.</summary>
    int? DefaultRouteMtu();

    /// <summary>The IPv4 reverse-path filter mode in effect on <paramref name="device"/>: the larger of
    /// conf.all and conf.&lt;device&gt; rp_filter (0 off, 1 strict, 2 loose); null when unknown.</summary>
    int? ReversePathFilter(string device);
}
