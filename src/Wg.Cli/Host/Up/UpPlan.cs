// Everything `up` will install for a configuration, decided before anything is changed.
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed record UpPlan
{
    public required string InterfaceName { get; init; }

    /// <summary>Interface addresses as written (host bits kept), in file order.</summary>
    public required IReadOnlyList<RoutePrefix> Addresses { get; init; }

    public required int Mtu { get; init; }

    /// <summary>Where <see cref="Mtu"/> comes from, for the user.</summary>
    public required string MtuOrigin { get; init; }

    /// <summary>Routes for the allowed IPs other than auto-table default routes, longest prefix first.</summary>
    public required IReadOnlyList<RouteEntry> Routes { get; init; }

    /// <summary>
    /// Table = auto: a main-table route is only added when no route through the interface covers it yet (the
    /// prefix route of an Address, or a shorter allowed IP added before), exactly as wg-quick.
    /// </summary>
    public required bool SkipCoveredRoutes { get; init; }

    /// <summary>Auto-table default routes, IPv4 first.</summary>
    public required IReadOnlyList<DefaultRoutePlan> DefaultRoutes { get; init; }

    /// <summary>The fwmark `up` gives the device (`wg set fwmark`); null when the file's own mark serves or none is needed.</summary>
    public uint? FirewallMark { get; init; }

    /// <summary>The table of the policy-routed default routes; null when none is policy routed.</summary>
    public uint? PolicyTable { get; init; }

    /// <summary>Kernel steering generated from the [Rule] sections; null when none routes local traffic into the tunnel.</summary>
    public SteeringPlan? Steering { get; init; }

    /// <summary>Said to the user before anything is installed (steering that cannot be, rules skipped).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// The table the daemon puts the AllowedIPs routes of `Routes = when-up` peers in while they have a live session
    /// (RouterConfiguration.WhenUpRouteTable): main for Table = auto, the file's table for Table = N, null for
    /// Table = off. `up` itself adds no route for such peers.
    /// </summary>
    public uint? WhenUpRouteTable { get; init; }
}
