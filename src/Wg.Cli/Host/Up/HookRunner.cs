// PreUp/PostUp/PreDown/PostDown: each hook with "%i" replaced by the interface name, printed as
// "[#] hook" and run by bash(1) as wg-quick runs it, with the standard streams of `wgsharp` itself.
using System.Diagnostics;

namespace WgSharp.Cli.Host;

internal static class HookRunner
{
    /// <summary>The command line as it runs: every "%i" replaced, as wg-quick's ${hook//%i/$INTERFACE}.</summary>
    public static string Expand(string hook, string interfaceName) => hook.Replace("%i", interfaceName, StringComparison.Ordinal);

    /// <summary>Runs the hooks in order; the first that fails (exit status not 0) stops the rest.</summary>
    /// <exception cref="QuickException">A hook failed or bash could not be started.</exception>
    public static void Run(IEnumerable<string> hooks, string interfaceName, string stage, QuickConsole console)
    {
        foreach (string hook in hooks)
        {
            string command = Expand(hook, interfaceName);
            console.Command(command);
            var start = new ProcessStartInfo("bash") { UseShellExecute = false };
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(command);
            Process process;
            try
            {
                process = Process.Start(start) ?? throw new QuickException($"{stage}: cannot start bash");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new QuickException($"{stage}: cannot run bash: {e.Message}", e);
            }

            using (process)
            {
                process.WaitForExit();
                if (process.ExitCode != 0)
                {
                    throw new QuickException($"{stage} hook failed with exit status {process.ExitCode}: {command}");
                }
            }
        }
    }
}
