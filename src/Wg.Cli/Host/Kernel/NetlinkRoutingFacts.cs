// IRoutingFacts from the kernel: rtnetlink for rules, tables and routes, /proc/sys for rp_filter.
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed class NetlinkRoutingFacts : IRoutingFacts
{
    private readonly RtNetlink _netlink;

    public NetlinkRoutingFacts(RtNetlink netlink) => _netlink = netlink;

    public RuleSupport ProbeRules(AddressFamily family) => _netlink.ProbeRules(family);

    public uint FindFreeTable(uint first) => _netlink.FindFreeTable(first);

    public IReadOnlyCollection<uint> RulePriorities(AddressFamily family)
    {
        try
        {
            return [.. _netlink.ListRules(family).Select(r => r.Priority ?? 0)];
        }
        catch (NetlinkException e) when (QuickUp.MeansRulesUnavailable(e.Errno))
        {
            return [];
        }
    }

    public RouteLookup? RouteTo(IPAddress destination) => _netlink.TryGetRouteTo(destination);

    public int? DefaultRouteMtu()
    {
        foreach (RouteEntry route in _netlink.ListRoutes(AddressFamily.InterNetwork))
        {
            if (route.Table == IprouteNames.TableMain && route.Destination.IsDefault && route.Type == RouteType.Unicast)
            {
                if (route.Mtu is { } mtu)
                {
                    return mtu;
                }

                return route.OutputInterface != 0 ? _netlink.GetLink(route.OutputInterface).Mtu : null;
            }
        }

        return null;
    }

    public int? ReversePathFilter(string device)
    {
        int? all = Read("net/ipv4/conf/all/rp_filter");
        int? own = Read($"net/ipv4/conf/{device}/rp_filter");
        return all is null && own is null ? null : Math.Max(all ?? 0, own ?? 0);

        static int? Read(string key) =>
            Sysctl.TryRead(key, out string? text, out _) && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value)
                ? value
                : null;
    }
}
