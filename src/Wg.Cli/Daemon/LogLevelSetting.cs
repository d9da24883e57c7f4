// wireguard-go's LOG_LEVEL values: silent, error (the default) and verbose.
using Microsoft.Extensions.Logging;

namespace WgSharp.Cli.Daemon;

internal static class LogLevelSetting
{
    public const string Variable = "LOG_LEVEL";

    /// <summary>The minimum level to log, or null for silent. Unknown values fall back to error, with a warning.</summary>
    public static LogLevel? Parse(string? value, out string? warning)
    {
        warning = null;
        switch (value?.Trim().ToLowerInvariant())
        {
            case null or "" or "error":
                return LogLevel.Error;
            case "verbose" or "debug":
                return LogLevel.Debug;
            case "silent":
                return null;
            default:
                warning = $"unknown {Variable} '{value}' (expected silent, error or verbose); using error";
                return LogLevel.Error;
        }
    }
}
