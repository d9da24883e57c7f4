// What `up` and `down` share on the command line: resolving the name or path and parsing the file with
// every error printed as "file:line: message".
using WgSharp.Cli.Configuration;

namespace WgSharp.Cli.Host;

internal static class QuickCommandSupport
{
    /// <summary>The parsed file, or null after printing why there is none (nothing has been changed then).</summary>
    public static InterfaceConfig? LoadConfig(string nameOrPath, string configDirectory, QuickConsole console,
        out string path, out string interfaceName)
    {
        interfaceName = "";
        try
        {
            path = ConfigPath.Resolve(nameOrPath, out interfaceName, configDirectory);
        }
        catch (ConfigException e)
        {
            path = "";
            console.Line("wgsharp: " + e.Message);
            return null;
        }

        if (ConfigPath.WorldAccessibleWarning(path) is { } warning)
        {
            console.Line(warning);
        }

        ConfigParseResult parsed = ConfigParser.ParseFile(path);
        foreach (ConfigError warningLine in parsed.Warnings)
        {
            console.Line("wgsharp: warning: " + warningLine);
        }

        if (!parsed.Succeeded)
        {
            foreach (ConfigError error in parsed.Errors)
            {
                console.Line("wgsharp: " + error);
            }

            console.Line($"wgsharp: `{path}' has {parsed.Errors.Count} error(s); nothing was changed");
            return null;
        }

        return parsed.Config;
    }
}
