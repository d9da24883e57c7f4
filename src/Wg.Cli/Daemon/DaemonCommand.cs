// The wireguard-go command line: `wgsharp [-f|--foreground] [--user <name>] <ifname>`. By default the daemon goes to the
// background, but only once the interface exists and its UAPI socket listens, so the next `wg` command
// works (wg-quick relies on that). WG_PROCESS_FOREGROUND=1 or -f keeps it in the foreground.
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using WgSharp.Cli.Interop;
using WgSharp.Cli.Uapi;
using WgSharp.Noise.Interop;
using WgSharp.Cli.Commands;

namespace WgSharp.Cli.Daemon;

internal static class DaemonCommand
{
    public const string Usage = "[-f|--foreground] [--user <name>] <interface>";

    // Set by the background launcher for its child: report readiness on stdout, then detach.
    private const string ChildVariable = "WGSHARP_DAEMON_CHILD";
    private const string ReadyLine = "READY";
    private const string ErrorPrefix = "ERROR: ";
    private const string NotePrefix = "NOTE: ";
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(30);

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

        bool isChild = Environment.GetEnvironmentVariable(ChildVariable) == "1";
        if (!foreground && !isChild)
        {
            return LaunchInBackground(context, interfaceName, user);
        }

        if (isChild)
        {
            Libc.setsid(); // leave the caller's session and terminal
        }

        // In the child, stdout is the readiness pipe: logs go to stderr (which is /dev/null unless LOG_LEVEL was set).
        TextWriter logOutput = StandardStreams.OpenWriter(isChild ? StandardStreams.Error : StandardStreams.Output);
        var logger = new DaemonLogger(interfaceName, level, logOutput);
        // This (main) thread becomes the privileged one (PrivilegedThread): the daemon runs on the thread pool and hands
        // what needs capabilities back here.
        var privileged = new PrivilegedThread();
        var daemon = new WireGuardDaemon(interfaceName, logger, privileged, user);
        bool explicitLogLevel = Environment.GetEnvironmentVariable(LogLevelSetting.Variable) is not null;
        // LOG_LEVEL=silent silences the notes on what the daemon runs as too (they are also logged at info level).
        bool silent = level is null;
        Task<string> run = Task.Run(() => daemon.RunAsync(notes => ReportReady(context, isChild, explicitLogLevel, silent ? [] : notes)));
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
                StandardStreams.OpenWriter(StandardStreams.Output).WriteLine(ErrorPrefix + e.Message);
            }
            else
            {
                context.Error.WriteLine($"wgsharp: {e.Message}");
            }

            return 1;
        }
    }

    // Notes (what the daemon runs as) go where the user sees them: through the launcher, or to stderr.
    private static void ReportReady(CliContext context, bool isChild, bool explicitLogLevel, IReadOnlyList<string> notes)
    {
        if (!isChild)
        {
            foreach (string note in notes)
            {
                context.Error.WriteLine($"wgsharp: {note}");
            }

            // Run in the foreground by a Type=notify unit: the socket listens, so `wg` works now.
            SystemdNotifier.NotifyReady();
            return;
        }

        TextWriter readiness = StandardStreams.OpenWriter(StandardStreams.Output);
        foreach (string note in notes)
        {
            readiness.WriteLine(NotePrefix + note);
        }

        readiness.WriteLine(ReadyLine);

        // Detach from the launcher's streams, as wireguard-go does: keep stderr only when a log level was
        // asked for. .NET's console streams hold their own duplicates of fds 0-2, so every descriptor that
        // refers to the caller's stdin/stdout (and stderr, unless kept) is pointed at /dev/null too;
        // otherwise a caller reading our output to its end (`x=$(wgsharp wg0 2>&1)`) would wait forever.
        int devNull = Libc.open("/dev/null", Libc.O_RDWR);
        if (devNull < 0)
        {
            return;
        }

        string? input = DescriptorTarget(0), output = DescriptorTarget(1), error = DescriptorTarget(2);
        foreach (int fd in OpenDescriptors())
        {
            if (fd == devNull)
            {
                continue;
            }

            string? target = fd <= 2 ? new[] { input, output, error }[fd] : DescriptorTarget(fd);
            bool keep = explicitLogLevel && target == error;
            bool callers = target is not null && (target == input || target == output || target == error);
            if (callers && !keep)
            {
                Libc.dup2(devNull, fd);
            }
        }

        if (devNull > 2)
        {
            Libc.close(devNull);
        }
    }

    // What a descriptor refers to ("pipe:[1234]", "/dev/pts/0", a path), from /proc/self/fd.
    private static string? DescriptorTarget(int fd)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static List<int> OpenDescriptors()
    {
        var descriptors = new List<int>();
        foreach (string entry in Directory.EnumerateFileSystemEntries("/proc/self/fd"))
        {
            if (int.TryParse(Path.GetFileName(entry), out int fd))
            {
                descriptors.Add(fd);
            }
        }

        return descriptors;
    }

    // Starts this same program as the daemon child and waits until it reports READY or an error.
    private static int LaunchInBackground(CliContext context, string interfaceName, string? user)
    {
        string? self = Environment.ProcessPath;
        if (self is null)
        {
            context.Error.WriteLine("wgsharp: cannot find its own executable to start the daemon; use -f");
            return 1;
        }

        var start = new ProcessStartInfo(self)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardInput = false,
            RedirectStandardError = false,
        };
        if (user is not null)
        {
            start.ArgumentList.Add("--user");
            start.ArgumentList.Add(user);
        }

        start.ArgumentList.Add(interfaceName);
        start.Environment[ChildVariable] = "1";
        start.Environment["WG_PROCESS_FOREGROUND"] = "1";

        using Process child = Process.Start(start) ?? throw new InvalidOperationException("Process.Start returned null");
        Task<string?> firstLine = child.StandardOutput.ReadLineAsync();
        if (!firstLine.Wait(StartupTimeout))
        {
            context.Error.WriteLine($"wgsharp: the daemon did not become ready within {StartupTimeout.TotalSeconds:0} s");
            TryKill(child);
            return 1;
        }

        string? line = firstLine.Result;
        while (line is not null && line.StartsWith(NotePrefix, StringComparison.Ordinal))
        {
            context.Error.WriteLine($"wgsharp: {line[NotePrefix.Length..]}");
            Task<string?> next = child.StandardOutput.ReadLineAsync();
            line = next.Wait(StartupTimeout) ? next.Result : null;
        }

        if (line == ReadyLine)
        {
            return 0;
        }

        context.Error.WriteLine(line is not null && line.StartsWith(ErrorPrefix, StringComparison.Ordinal)
            ? $"wgsharp: {line[ErrorPrefix.Length..]}"
            : "wgsharp: the daemon exited during startup");
        return 1;
    }

    private static void TryKill(Process process)
    {
        try
        {
            process.Kill();
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
    }
}
