// What EndpointRouteKeeper must change: endpoints of split-route families without a host route, and
// recorded endpoint host routes no peer's endpoint needs any more. Pure, so it is tested on its own.
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Net;

namespace WgSharp.Cli.Host;

internal sealed class EndpointRoutePlan
{
    private EndpointRoutePlan(IReadOnlyList<IPAddress> added, IReadOnlyList<StateRoute> removed)
    {
        Added = added;
        Removed = removed;
    }

    /// <summary>Endpoint addresses that need a host route.</summary>
    public IReadOnlyList<IPAddress> Added { get; }

    /// <summary>Recorded endpoint host routes to remove (the very objects of the state).</summary>
    public IReadOnlyList<StateRoute> Removed { get; }

    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0;

    /// <summary>
    /// The plan for <paramref name="state"/> given the peers' current <paramref name="endpoints"/>. Only
    /// families whose default route `up` installed as split routes take part; IPv4-mapped IPv6 endpoints
    /// count as IPv4.
    /// </summary>
    public static EndpointRoutePlan Compute(QuickState state, string interfaceName, IEnumerable<IPAddress> endpoints)
    {
        var splitFamilies = new HashSet<AddressFamily>(
            state.DefaultRoutes.Where(d => d.Mode == DefaultRouteMode.SplitRoutes).Select(d => d.Family));
        if (splitFamilies.Count == 0)
        {
            return new EndpointRoutePlan([], []);
        }

        IPAddress[] wanted = [.. endpoints
            .Select(e => e.IsIPv4MappedToIPv6 ? e.MapToIPv4() : e)
            .Where(e => splitFamilies.Contains(e.AddressFamily))
            .Distinct()];
        StateRoute[] existing = [.. EndpointRoutes(state, interfaceName)];
        var routed = new HashSet<IPAddress>(existing.Select(r => RoutePrefix.Parse(r.Destination).Address));
        var wantedSet = new HashSet<IPAddress>(wanted);
        return new EndpointRoutePlan(
            [.. wanted.Where(e => !routed.Contains(e))],
            [.. existing.Where(r => splitFamilies.Contains(RoutePrefix.Parse(r.Destination).Address.AddressFamily)
                && !wantedSet.Contains(RoutePrefix.Parse(r.Destination).Address))]);
    }

    /// <summary>The recorded host routes that lead elsewhere than the tunnel: the endpoint routes.</summary>
    public static IEnumerable<StateRoute> EndpointRoutes(QuickState state, string interfaceName) =>
        state.Routes.Where(r => r.Device != interfaceName && RoutePrefix.TryParse(r.Destination, out RoutePrefix p) && p.IsHost);
}
