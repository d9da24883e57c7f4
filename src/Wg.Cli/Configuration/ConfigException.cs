// A configuration file that cannot be used, with every problem found in it (not just the first).
namespace WgSharp.Cli.Configuration;

internal sealed class ConfigException : Exception
{
    public ConfigException(IReadOnlyList<ConfigError> errors) : base(string.Join('\n', errors))
    {
        ArgumentOutOfRangeException.ThrowIfZero(errors.Count);
        Errors = errors;
    }

    public ConfigException(ConfigError error) : this([error]) { }

    /// <summary>In file order; each prints as "file:line: message".</summary>
    public IReadOnlyList<ConfigError> Errors { get; }
}
