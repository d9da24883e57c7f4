// WgSharp's [Interface] MssClamp key: whether and how TCP MSS is lowered on SYNs crossing the tunnel.
namespace WgSharp.Cli.Configuration;

internal enum MssClampMode
{
    /// <summary>The default: MSS options pass unchanged.</summary>
    Off,

    /// <summary>Tunnel MTU - 40 for IPv4, - 60 for IPv6.</summary>
    Auto,

    /// <summary>A fixed number of bytes.</summary>
    Fixed,
}
