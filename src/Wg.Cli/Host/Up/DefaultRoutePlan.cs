// How `up` will install the default route of one address family, with both ways worked out: the
// split-route way is also the fallback when adding a policy rule fails half-way.
using System.Net.Sockets;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed record DefaultRoutePlan
{
    public required AddressFamily Family { get; init; }

    public required DefaultRouteMode Mode { get; init; }

    /// <summary>Why <see cref="DefaultRouteMode.SplitRoutes"/> was chosen; null for policy rules.</summary>
    public string? SplitReason { get; init; }

    /// <summary>0.0.0.0/0 (::/0) through the tunnel in the policy table; null when policy routing is impossible.</summary>
    public RouteEntry? PolicyRoute { get; init; }

    /// <summary>The `Routes = when-up` peer whose default route this is: `up` adds the rules but not
    /// <see cref="PolicyRoute"/>; the daemon routes the table into the interface while the peer is live. Null for an
    /// always-on default route.</summary>
    public WhenUpPeerTable? WhenUpPeer { get; init; }

    /// <summary>`not fwmark T table T`, then `table main suppress_prefixlength 0`.</summary>
    public IReadOnlyList<RuleEntry> PolicyRules { get; init; } = [];

    /// <summary>Drop packets for the tunnel's addresses that arrive on another interface (TunnelAddressGuard).</summary>
    public IReadOnlyList<RuleEntry> GuardRules { get; init; } = [];

    /// <summary>The sysctl that must be 1 in policy mode (IPv4 only, as wg-quick): src_valid_mark.</summary>
    public string? SourceValidMarkKey { get; init; }

    /// <summary>A host route to each endpoint of this family through the path it has before `up`.</summary>
    public IReadOnlyList<RouteEntry> EndpointRoutes { get; init; } = [];

    /// <summary>0.0.0.0/1 and 128.0.0.0/1 (::/1 and 8000::/1) through the tunnel in the main table.</summary>
    public IReadOnlyList<RouteEntry> SplitRoutes { get; init; } = [];

    public string FamilyName => Family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
}
