// A route (RTM_NEWROUTE): what to add, replace or delete, and what a dump of all tables returns.
using System.Net;
using System.Text;
using WgSharp.Tun.Interop;
using WgSharp.Tun.Net;

namespace WgSharp.Tun.Netlink;

/// <summary>
/// One route in one table. For requests, null members mean "as <c>ip route</c> would choose": protocol boot and an
/// automatic scope when adding (link for a unicast route without gateway, host for local routes), "any" when
/// deleting. Entries read from the kernel have every member the kernel reported.
/// </summary>
public sealed record RouteEntry
{
    /// <summary>rtm_flags bits ip prints after the metric (RTNH_F_* in linux/rtnetlink.h).</summary>
    private static readonly (uint Flag, string Name)[] KnownFlags =
    [
        (0x1, "dead"), (0x2, "pervasive"), (0x4, "onlink"), (0x8, "offload"), (0x10, "linkdown"),
        (0x20, "unresolved"), (0x40, "trap"),
    ];

    /// <summary>RTA_DST and rtm_dst_len.</summary>
    public required RoutePrefix Destination { get; init; }

    public RouteType Type { get; init; } = RouteType.Unicast;

    /// <summary>RTA_TABLE (rtm_table for ids up to 255); main by default.</summary>
    public uint Table { get; init; } = IprouteNames.TableMain;

    /// <summary>RTA_OIF, 0 for none. A request may give only <see cref="OutputInterfaceName"/>; it is then resolved.</summary>
    public int OutputInterface { get; init; }

    /// <summary>The name of <see cref="OutputInterface"/>, for printing (filled in by listings).</summary>
    public string? OutputInterfaceName { get; init; }

    /// <summary>RTA_GATEWAY ("via").</summary>
    public IPAddress? Gateway { get; init; }

    /// <summary>RTA_PREFSRC ("src"): the source address for locally generated packets.</summary>
    public IPAddress? PreferredSource { get; init; }

    /// <summary>RTA_PRIORITY ("metric").</summary>
    public uint? Metric { get; init; }

    public RouteProtocol? Protocol { get; init; }

    public RouteScope? Scope { get; init; }

    /// <summary>RTAX_MTU inside RTA_METRICS ("mtu").</summary>
    public int? Mtu { get; init; }

    /// <summary>RTA_PREF: IPv6 router preference (0 medium, 1 high, 3 low).</summary>
    public byte? Preference { get; init; }

    /// <summary>rtm_flags as the kernel reported them (RTNH_F_LINKDOWN and friends).</summary>
    public uint Flags { get; init; }

    /// <summary>Whether the kernel reported several next hops (RTA_MULTIPATH); those are not decoded.</summary>
    public bool IsMultipath { get; init; }

    /// <summary>
    /// One line of <c>ip route show table all</c>: "default dev wg0 table 51820 scope link",
    /// "local 10.0.0.1 dev wg0 table local proto kernel scope host src 10.0.0.1",
    /// "fd00::/64 dev wg0 proto kernel metric 256 pref medium" (without ip's trailing blank).
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        if (Type != RouteType.Unicast)
        {
            text.Append(IprouteNames.Type(Type)).Append(' ');
        }
        if (Destination.IsDefault)
        {
            text.Append("default");
        }
        else if (Destination.IsHost)
        {
            text.Append(Destination.Address);
        }
        else
        {
            text.Append(Destination);
        }
        AppendNextHop(text);
        if (Table != IprouteNames.TableMain)
        {
            text.Append(" table ").Append(IprouteNames.Table(Table));
        }
        if ((Flags & LibC.RTM_F_CLONED) == 0)
        {
            if (Protocol is { } protocol && protocol != RouteProtocol.Boot)
            {
                text.Append(" proto ").Append(IprouteNames.Protocol(protocol));
            }
            if (Scope is { } scope && scope != RouteScope.Universe)
            {
                text.Append(" scope ").Append(IprouteNames.Scope(scope));
            }
        }
        if (PreferredSource is not null)
        {
            text.Append(" src ").Append(PreferredSource);
        }
        if (Metric is { } metric)
        {
            text.Append(" metric ").Append(metric);
        }
        foreach ((uint flag, string name) in KnownFlags)
        {
            if ((Flags & flag) != 0)
            {
                text.Append(' ').Append(name);
            }
        }
        if (Mtu is { } mtu)
        {
            text.Append(" mtu ").Append(mtu);
        }
        if (Preference is { } preference)
        {
            text.Append(" pref ").Append(preference switch { 0 => "medium", 1 => "high", 3 => "low", _ => preference.ToString() });
        }
        return text.ToString();
    }

    /// <summary>
    /// What follows <c>ip route add</c> (or <c>del</c>/<c>replace</c>) for this route, with only what was given:
    /// "0.0.0.0/0 dev wg0 table 51820", the form wg-quick prints as "[#] ip -4 route add ...".
    /// </summary>
    public string ToCommandArguments()
    {
        var text = new StringBuilder();
        if (Type != RouteType.Unicast)
        {
            text.Append(IprouteNames.Type(Type)).Append(' ');
        }
        text.Append(Destination);
        AppendNextHop(text);
        if (Table != IprouteNames.TableMain)
        {
            text.Append(" table ").Append(IprouteNames.Table(Table));
        }
        if (Protocol is { } protocol)
        {
            text.Append(" proto ").Append(IprouteNames.Protocol(protocol));
        }
        if (Scope is { } scope)
        {
            text.Append(" scope ").Append(IprouteNames.Scope(scope));
        }
        if (PreferredSource is not null)
        {
            text.Append(" src ").Append(PreferredSource);
        }
        if (Metric is { } metric)
        {
            text.Append(" metric ").Append(metric);
        }
        if (Mtu is { } mtu)
        {
            text.Append(" mtu ").Append(mtu);
        }
        return text.ToString();
    }

    private void AppendNextHop(StringBuilder text)
    {
        if (Gateway is not null)
        {
            text.Append(" via ").Append(Gateway);
        }
        if (OutputInterface != 0 || OutputInterfaceName is not null)
        {
            text.Append(" dev ").Append(OutputInterfaceName ?? $"if{OutputInterface}");
        }
    }
}
