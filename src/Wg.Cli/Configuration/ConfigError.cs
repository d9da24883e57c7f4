// One problem found in a configuration file: the file, the line and what is wrong, printed the way
// compilers print diagnostics ("wg3.conf:12: AllowedIPs: '10.0.0.300/32' is not a valid IP prefix").
namespace WgSharp.Cli.Configuration;

/// <param name="File">The path as the user gave it; empty for problems that concern no file.</param>
/// <param name="Line">1-based; 0 when the problem concerns the whole file.</param>
/// <param name="Message">What is wrong. Never contains key material.</param>
internal readonly record struct ConfigError(string File, int Line, string Message)
{
    public override string ToString() => (File.Length, Line) switch
    {
        (0, _) => Message,
        (_, > 0) => $"{File}:{Line}: {Message}",
        _ => $"{File}: {Message}",
    };
}
