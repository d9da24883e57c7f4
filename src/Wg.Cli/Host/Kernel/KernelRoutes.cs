// Every route the program installs, each built here and named after what it is for (ip-route(8) syntax in the
// comments): `up`'s routes through the tunnel, the split default route and the endpoint host routes, and the
// daemon's when-up and roaming-endpoint routes.
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal static class KernelRoutes
{
    /// <summary>The metric of the daemon's when-up routes: distinct (recognisable, and coexisting with a same-prefix
    /// route of metric 0); a backup route meant to take over when the peer is down needs a higher one.</summary>
    public const uint WhenUpMetric = 10;

    /// <summary>`PREFIX dev &lt;tunnel&gt; table T`: an allowed IP, a policy or steering table's default route.</summary>
    public static RouteEntry Through(RoutePrefix prefix, string interfaceName, uint table) => new()
    {
        Destination = prefix,
        OutputInterfaceName = interfaceName,
        Table = table,
    };

    /// <summary>`0.0.0.0/1` and `128.0.0.0/1` (`::/1` and `8000::/1`) through the tunnel in main: a default route
    /// that wins over the existing one by being more specific, where policy rules cannot be used.</summary>
    public static RouteEntry[] SplitDefault(AddressFamily family, string interfaceName) =>
        family == AddressFamily.InterNetworkV6
            ? [Through(RoutePrefix.Parse("::/1"), interfaceName, IprouteNames.TableMain), Through(RoutePrefix.Parse("8000::/1"), interfaceName, IprouteNames.TableMain)]
            : [Through(RoutePrefix.Parse("0.0.0.0/1"), interfaceName, IprouteNames.TableMain), Through(RoutePrefix.Parse("128.0.0.0/1"), interfaceName, IprouteNames.TableMain)];

    /// <summary>`ENDPOINT/32 via GATEWAY dev DEVICE`: the tunnel's own packets to an endpoint bypass the split
    /// default route, the way they took before (<paramref name="outputInterface"/> 0 when only the name is known).</summary>
    public static RouteEntry EndpointHost(IPAddress endpoint, IPAddress? gateway, string? device, int outputInterface = 0) => new()
    {
        Destination = RoutePrefix.Host(endpoint),
        Gateway = gateway,
        OutputInterface = outputInterface,
        OutputInterfaceName = device,
    };

    /// <summary>`PREFIX dev &lt;tunnel&gt; table T proto static metric 10`: a when-up peer's route while it is live.</summary>
    public static RouteEntry WhenUp(RoutePrefix prefix, string interfaceName, uint table) => new()
    {
        Destination = prefix,
        OutputInterfaceName = interfaceName,
        Table = table,
        Metric = WhenUpMetric,
        Protocol = RouteProtocol.Static,
    };
}
