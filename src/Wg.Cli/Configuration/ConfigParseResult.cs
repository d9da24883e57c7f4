// What parsing a configuration file produced: the configuration, or the complete list of errors
// (never both, so nothing can be applied from a file that has errors).
namespace WgSharp.Cli.Configuration;

/// <param name="Config">null exactly when <paramref name="Errors"/> is not empty. The caller owns (and
/// disposes) it.</param>
/// <param name="Errors">Every problem, in line order.</param>
/// <param name="Warnings">Accepted but probably unintended (wg's own warnings, such as an AllowedIPs
/// prefix with host bits set), in line order.</param>
internal sealed record ConfigParseResult(InterfaceConfig? Config, IReadOnlyList<ConfigError> Errors, IReadOnlyList<ConfigError> Warnings)
{
    public bool Succeeded => Errors.Count == 0;

    /// <summary>The configuration; throws <see cref="ConfigException"/> with all errors when there are any.</summary>
    public InterfaceConfig GetConfigOrThrow() => Config ?? throw new ConfigException(Errors);
}
