// Which way `up` installed the default route of one address family, and why.
using System.Net.Sockets;

namespace WgSharp.Cli.Host;

internal sealed class StateDefaultRoute
{
    public AddressFamily Family { get; set; }

    public DefaultRouteMode Mode { get; set; }

    /// <summary>Why split routes were used; null for policy rules.</summary>
    public string? Reason { get; set; }
}
