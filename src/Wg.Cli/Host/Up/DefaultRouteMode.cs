// How a default route (0.0.0.0/0 or ::/0 in AllowedIPs with Table = auto) is installed.
namespace WgSharp.Cli.Host;

internal enum DefaultRouteMode
{
    /// <summary>wg-quick's way: the route in a table of its own, `not fwmark T table T` and
    /// `table main suppress_prefixlength 0`; the tunnel's own packets carry fwmark T.</summary>
    PolicyRules,

    /// <summary>Without policy rules: 0.0.0.0/1 + 128.0.0.0/1 (::/1 + 8000::/1) in the main table, which
    /// beat the existing default route by length, plus a host route to each endpoint through the path
    /// it had before, so the tunnel's own packets do not loop into the tunnel.</summary>
    SplitRoutes,
}
