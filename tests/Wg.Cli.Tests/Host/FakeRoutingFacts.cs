// IRoutingFacts with answers a test chooses: which families have policy rules, the free table, the routes
// to endpoints, the default route's MTU and rp_filter per device.
using System.Net;
using System.Net.Sockets;
using WgSharp.Cli.Host;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Tests.Quick;

internal sealed class FakeRoutingFacts : IRoutingFacts
{
    public RuleSupport IPv4Rules { get; set; } = new(RuleAvailability.Available, 0, true);

    public RuleSupport IPv6Rules { get; set; } = new(RuleAvailability.Available, 0, true);

    public uint FreeTable { get; set; } = 51820;

    public Dictionary<IPAddress, RouteLookup> Routes { get; } = [];

    public int? DefaultMtu { get; set; }

    public Dictionary<string, int> ReversePathFilters { get; } = [];

    /// <summary>How often FindFreeTable was asked (the table is only needed for policy routing).</summary>
    public int FreeTableQueries { get; private set; }

    public RuleSupport ProbeRules(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? IPv6Rules : IPv4Rules;

    /// <summary>Priorities of existing rules, both families alike (local 0, main 32766, default 32767 by default).</summary>
    public List<uint> RulePriorityList { get; } = [0, 32766, 32767];

    /// <summary><see cref="FreeTable"/>, or <paramref name="first"/> when that is higher (0 stays "none free").</summary>
    public uint FindFreeTable(uint first)
    {
        FreeTableQueries++;
        return FreeTable == 0 ? 0 : Math.Max(first, FreeTable);
    }

    public IReadOnlyCollection<uint> RulePriorities(AddressFamily family) => RulePriorityList;

    public RouteLookup? RouteTo(IPAddress destination) => Routes.GetValueOrDefault(destination);

    public int? DefaultRouteMtu() => DefaultMtu;

    public int? ReversePathFilter(string device) => ReversePathFilters.TryGetValue(device, out int value) ? value : 0;

    /// <summary>Records that <paramref name="destination"/> is reached through <paramref name="device"/> (index 2),
    /// via <paramref name="gateway"/> when given, with the given MTU.</summary>
    public void AddRoute(string destination, string device, string? gateway = null, int mtu = 1500, RouteType type = RouteType.Unicast) =>
        Routes[IPAddress.Parse(destination)] = new RouteLookup(IPAddress.Parse(destination), type, IprouteNames.TableMain, 2, device,
            gateway is null ? null : IPAddress.Parse(gateway), null, mtu, false);
}
