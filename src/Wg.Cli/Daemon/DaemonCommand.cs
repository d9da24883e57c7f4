// The wireguard-go command line: `wgsharp [-f|--foreground] [--user <name>] <ifname>`. By default the daemon goes to the
// background, but only once the interface exists and its UAPI socket listens, so the next `wg` command
// works (wg-quick relies on that; DaemonLaunch). WG_PROCESS_FOREGROUND=1 or -f keeps it in the foreground.
using Microsoft.Extensions.Logging;
using WgSharp.Cli.Commands;
using WgSharp.Cli.Interop;
using WgSharp.Cli.Uapi;
using WgSharp.Noise.Interop;

namespace WgSharp.Cli.Daemon;

internal static class DaemonCommand
{
    public const string Usage = "[-f|--foreground] [--user <name>] <interface>";

    /// <summary>
    /// True when the arguments have the daemon's shape: an interface name, maybe after -f and --user NAME. A bare
    /// name that looks like a mistyped command is not taken (the caller suggests the command); with an option it is.
    /// </summary>
    public static bool Matches(string[] args) =>
        args is [var name] && UapiSocket.IsValidInterfaceName(name) && !name.StartsWith('-') && CommandLine.NearestCommand(name) is null ||
        args.Length > 1 && TryParse(args, out _, out _, out _);

    /// <summary>The options: -f/--foreground and --user NAME, each at most once, before the interface name.</summary>
    internal static bool TryParse(string[] args, out bool foreground, out string? user, out string interfaceName)
    {
        foreground = false;
        user = null;
        interfaceName = args.Length > 0 ? args[^1] : "";
        if (args.Length == 0 || !UapiSocket.IsValidInterfaceName(interfaceName) || interfaceName.StartsWith('-'))
        {
            return false;
        }

        for (int i = 0; i < args.Length - 1; i++)
        {
            if (args[i] is "-f" or "--foreground" && !foreground)
            {
                foreground = true;
            }
            else if (args[i] == "--user" && user is null && i + 1 < args.Length - 1 && args[i + 1].Length > 0)
            {
                user = args[++i];
            }
            else
            {
                return false;
            }
        }

        return true;
    }

    public static int Run(CliContext context, string[] args)
    {
        TryParse(args, out bool foregroundOption, out string? userOption, out string interfaceName);
        bool foreground = foregroundOption || Environment.GetEnvironmentVariable("WG_PROCESS_FOREGROUND") == "1";
        // --user wins over WGSHARP_USER.
        string? user = userOption ?? Environment.GetEnvironmentVariable(DaemonPrivileges.UserVariable);
        LogLevel? level = LogLevelSetting.Parse(Environment.GetEnvironmentVariable(LogLevelSetting.Variable), out string? warning);
        if (warning is not null)
        {
            context.Error.WriteLine($"wgsharp: warning: {warning}");
        }

        // Without libsodium no key can be set: refuse to start, saying what to install, rather than
        // serve a socket whose first `wg set ... private-key` fails.
        if (!CryptoLibrary.TryLoad(out string? missing))
        {
            context.Error.WriteLine($"wgsharp: {missing}");
            return 1;
        }

        bool isChild = DaemonLaunch.IsChild;
        if (!foreground && !isChild)
        {
            return DaemonLaunch.InBackground(context, interfaceName, user);
        }

        if (isChild)
        {
            Libc.setsid(); // leave the caller's session and terminal
        }

        // In the child, stdout is the readiness pipe: logs go to stderr (which is /dev/null unless LOG_LEVEL was set).
        TextWriter logOutput = StandardStreams.OpenWriter(isChild ? StandardStreams.Error : StandardStreams.Output);
        var logger = new DaemonLogger(interfaceName, level, logOutput, context.Clock);
        // This (main) thread becomes the privileged one (PrivilegedThread): the daemon runs on the thread pool and hands
        // what needs capabilities back here.
        var privileged = new PrivilegedThread();
        var daemon = new WireGuardDaemon(interfaceName, logger, privileged, user, context.Clock);
        bool explicitLogLevel = Environment.GetEnvironmentVariable(LogLevelSetting.Variable) is not null;
        // LOG_LEVEL=silent silences the notes on what the daemon runs as too (they are also logged at info level).
        bool silent = level is null;
        Task<string> run = Task.Run(() => daemon.RunAsync(notes => DaemonLaunch.ReportReady(context, isChild, explicitLogLevel, silent ? [] : notes)));
        privileged.Serve(run);
        try
        {
            string reason = run.GetAwaiter().GetResult();
            logger.LogDebug("Stopped: {Reason}", reason);
            return 0;
        }
        catch (DaemonStartException e)
        {
            if (isChild)
            {
                DaemonLaunch.ReportFailure(e.Message);
            }
            else
            {
                context.Error.WriteLine($"wgsharp: {e.Message}");
            }

            return 1;
        }
    }
}
