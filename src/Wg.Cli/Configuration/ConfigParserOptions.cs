// What the configuration parser consults outside the file itself (replaceable in tests).
namespace WgSharp.Cli.Configuration;

internal sealed class ConfigParserOptions
{
    public static ConfigParserOptions Default { get; } = new();

    /// <summary>Routing table number for a Table name; null when the name is unknown.</summary>
    public Func<string, uint?> LookupTableName { get; init; } = RouteTableNames.Lookup;
}
