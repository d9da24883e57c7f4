// The steering of one address family: the table's default route through the interface and the rule block,
// with the priorities the planner placed it at (highest free range just above `lookup main`).
using System.Net.Sockets;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed record SteeringFamilyPlan
{
    public required AddressFamily Family { get; init; }

    /// <summary>Why policy rules cannot be used for the family (probe result); null when they can. Then
    /// <see cref="DefaultRoute"/> is null and <see cref="Rules"/> is empty.</summary>
    public string? UnavailableReason { get; init; }

    /// <summary>0.0.0.0/0 (::/0) dev &lt;if&gt; in the steering table.</summary>
    public RouteEntry? DefaultRoute { get; init; }

    /// <summary>
    /// In priority order, each with an explicit priority: `lookup main suppress_prefixlength 0` (connected and LAN
    /// routes still win), `fwmark M goto END` (the tunnel's own packets), `from &lt;address&gt; lookup T` per
    /// interface address (reply routing by source), then per [Rule] its negation gotos (`from N goto NEXT`) and
    /// its `lookup T` rules (T being the peer's own table for a [Rule] whose Peer is a `Routes = when-up` peer), and `END: nop` as the landing point when there is a goto.
    /// </summary>
    public IReadOnlyList<RuleEntry> Rules { get; init; } = [];

    /// <summary>The when-up peers' tables that <see cref="Rules"/> look up (their default routes are the daemon's
    /// to add while the peer is live; `up` adds none).</summary>
    public IReadOnlyList<WhenUpPeerTable> WhenUpTables { get; init; } = [];

    public string FamilyName => Family == AddressFamily.InterNetworkV6 ? "IPv6" : "IPv4";
}
