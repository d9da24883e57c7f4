// How wg-quick's Table key chooses where the routes for AllowedIPs go.
namespace WgSharp.Cli.Configuration;

internal enum RouteTableMode
{
    /// <summary>The main table, or for a default route a table of its own plus fwmark rules (wg-quick's default).</summary>
    Auto,

    /// <summary>No routes at all.</summary>
    Off,

    /// <summary>This numbered table (given as a number or a name from rt_tables).</summary>
    Table,
}
