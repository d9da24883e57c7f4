// A route `up` added, as the state file stores it: enough to delete exactly that route again.
using System.Net;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal sealed class StateRoute
{
    /// <summary>"10.0.0.0/24", "0.0.0.0/0", "2001:db8::/32".</summary>
    public string Destination { get; set; } = "";

    public uint Table { get; set; } = IprouteNames.TableMain;

    /// <summary>The output interface by name (the tunnel, or for an endpoint host route the original one).</summary>
    public string? Device { get; set; }

    public string? Gateway { get; set; }

    /// <summary>The steering table's default route, which `syncconf` re-plans with the [Rule] steering.</summary>
    public bool Steering { get; set; }

    public static StateRoute From(RouteEntry route, bool steering = false) => new()
    {
        Destination = route.Destination.ToString(),
        Table = route.Table,
        Device = route.OutputInterfaceName,
        Gateway = route.Gateway?.ToString(),
        Steering = steering,
    };

    /// <summary>The route for a delete request: destination, table, device and gateway as added.</summary>
    public RouteEntry ToRouteEntry() => new()
    {
        Destination = RoutePrefix.Parse(Destination),
        Table = Table,
        OutputInterfaceName = Device,
        Gateway = Gateway is null ? null : IPAddress.Parse(Gateway),
    };
}
