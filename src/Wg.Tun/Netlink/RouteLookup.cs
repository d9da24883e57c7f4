// The answer to "which route would a packet to this address take" (RTM_GETROUTE for one destination, ip route get).
using System.Net;
using System.Text;

namespace WgSharp.Tun.Netlink;

/// <param name="Destination">The address that was looked up.</param>
/// <param name="Type">The route type the lookup ended in (unicast, local, ...).</param>
/// <param name="Table">The table the route was found in.</param>
/// <param name="OutputInterface">RTA_OIF: the interface the packet would leave through.</param>
/// <param name="OutputInterfaceName">Its name.</param>
/// <param name="Gateway">RTA_GATEWAY, null for an on-link destination.</param>
/// <param name="PreferredSource">RTA_PREFSRC: the source address the kernel would choose.</param>
/// <param name="Mtu">The route's RTAX_MTU when it has one (a route "mtu" or a learnt path MTU), else the link MTU.</param>
/// <param name="MtuFromRoute">True when <paramref name="Mtu"/> came from the route, false when from the link.</param>
public sealed record RouteLookup(
    IPAddress Destination,
    RouteType Type,
    uint Table,
    int OutputInterface,
    string? OutputInterfaceName,
    IPAddress? Gateway,
    IPAddress? PreferredSource,
    int Mtu,
    bool MtuFromRoute)
{
    /// <summary>Like <c>ip route get</c>: "192.0.2.1 via 10.0.0.1 dev eth0 table main src 10.0.0.2 mtu 1500".</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Type != RouteType.Unicast)
        {
            text.Append(IprouteNames.Type(Type)).Append(' ');
        }
        text.Append(Destination);
        if (Gateway is not null)
        {
            text.Append(" via ").Append(Gateway);
        }
        text.Append(" dev ").Append(OutputInterfaceName ?? $"if{OutputInterface}");
        text.Append(" table ").Append(IprouteNames.Table(Table));
        if (PreferredSource is not null)
        {
            text.Append(" src ").Append(PreferredSource);
        }
        text.Append(" mtu ").Append(Mtu);
        return text.ToString();
    }
}
