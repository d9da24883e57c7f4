// The sections of a configuration file: wg's [Interface] and [Peer], WgSharp's [Rule] and [Forward].
namespace WgSharp.Cli.Configuration;

internal enum ConfigSection
{
    /// <summary>Before the first section header.</summary>
    None,
    Interface,
    Peer,
    Rule,
    Forward,

    /// <summary>After a header that names no section (already reported; its lines are skipped).</summary>
    Unknown,
}
