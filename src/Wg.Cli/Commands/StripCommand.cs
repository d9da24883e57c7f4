// `wgsharp strip <file|name>`: prints the configuration file minus everything `wg` does not understand
// (wg-quick's keys and WgSharp's extensions), for `wg setconf`/`wg syncconf`, exactly as `wg-quick strip`.
using WgSharp.Cli.Configuration;

namespace WgSharp.Cli.Commands;

internal static class StripCommand
{
    public const string Arguments = "<config-file | interface>";

    public static int Run(CliContext context, string[] args) => Run(context, args, ConfigPath.DefaultDirectory);

    internal static int Run(CliContext context, string[] args, string directory)
    {
        if (args.Length != 1)
        {
            context.Error.WriteLine($"Usage: wgsharp strip {Arguments}");
            return 1;
        }

        string path;
        try
        {
            path = ConfigPath.Resolve(args[0], out _, directory);
        }
        catch (ConfigException e)
        {
            context.Error.WriteLine("wgsharp: " + e.Message);
            return 1;
        }

        if (ConfigPath.WorldAccessibleWarning(path) is { } warning)
        {
            context.Error.WriteLine(warning);
        }

        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            context.Error.WriteLine($"wgsharp: `{path}': {e.Message}");
            return 1;
        }

        byte[]? stripped = ConfigStripper.Strip(file, out string? error);
        if (stripped is null)
        {
            context.Error.WriteLine("wgsharp: " + error);
            return 1;
        }

        context.Output.Write(stripped);
        context.Output.Flush();
        return 0;
    }
}
