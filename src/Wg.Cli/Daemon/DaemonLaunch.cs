// How the daemon goes to the background the way wireguard-go does: the launcher starts this same program as a
// child and returns only when the child reports READY (the interface exists and its UAPI socket listens) or an
// error on its stdout, a pipe; notes on what the daemon runs as travel the same way. The ready child then lets go
// of the caller's descriptors, so a caller reading its output to the end is not kept waiting.
using System.Diagnostics;
using WgSharp.Cli.Interop;

namespace WgSharp.Cli.Daemon;

internal static class DaemonLaunch
{
    // Set by the background launcher for its child: report readiness on stdout, then detach.
    private const string ChildVariable = "WGSHARP_DAEMON_CHILD";
    private const string ReadyLine = "READY";
    private const string ErrorPrefix = "ERROR: ";
    private const string NotePrefix = "NOTE: ";
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(30);

    /// <summary>True in the child the launcher started.</summary>
    public static bool IsChild => Environment.GetEnvironmentVariable(ChildVariable) == "1";

    /// <summary>Tells the launcher, in the child, why the daemon did not start.</summary>
    public static void ReportFailure(string message) =>
        StandardStreams.OpenWriter(StandardStreams.Output).WriteLine(ErrorPrefix + message);

    // Notes (what the daemon runs as) go where the user sees them: through the launcher, or to stderr.
    public static void ReportReady(CliContext context, bool isChild, bool explicitLogLevel, IReadOnlyList<string> notes)
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

    /// <summary>Starts this same program as the daemon child and waits until it reports READY or an error.</summary>
    public static int InBackground(CliContext context, string interfaceName, string? user)
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
