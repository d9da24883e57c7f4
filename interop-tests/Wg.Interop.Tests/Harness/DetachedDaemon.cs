// A WireGuard daemon started the way wg-quick starts it: `IMPL <ifname>` without foreground, so the
// launcher returns once the daemon is ready and the daemon lives on detached. The launcher's output goes
// to files, not pipes (a daemon that kept a pipe open would stall the harness until it exits). Found
// afterwards as the new process in its namespace; stopped with SIGTERM (then SIGKILL) on Dispose.
using System.Globalization;

namespace WgSharp.Interop.Tests.Harness;

internal sealed class DetachedDaemon : IDisposable
{
    public static readonly TimeSpan LaunchTimeout = TimeSpan.FromSeconds(40);

    private int _disposed; // 0 or 1, set once through Interlocked

    private DetachedDaemon(NetworkNamespace ns, string interfaceName, ProcessResult launch, int? pid, string stdoutPath, string stderrPath)
    {
        Namespace = ns;
        InterfaceName = interfaceName;
        Launch = launch;
        Pid = pid;
        StandardOutputPath = stdoutPath;
        StandardErrorPath = stderrPath;
    }

    public NetworkNamespace Namespace { get; }

    public string InterfaceName { get; }

    /// <summary>What the launching command returned (its exit code and messages).</summary>
    public ProcessResult Launch { get; }

    /// <summary>The file the launcher's standard output went to.</summary>
    public string StandardOutputPath { get; }

    /// <summary>The file the launcher's standard error went to.</summary>
    public string StandardErrorPath { get; }

    /// <summary>The detached daemon's pid: a process that appeared in the namespace during the launch and names the interface on its command line; null if none did.</summary>
    public int? Pid { get; }

    public string SocketPath => WireGuardPeer.SocketPathFor(InterfaceName);

    public bool IsRunning => Pid is { } pid && IsAlive(pid);

    /// <summary>
    /// Runs `ip netns exec NS IMPL [arguments] ifname` to completion and finds the daemon it left behind.
    /// Registered for cleanup at once, so the daemon is stopped even if the caller never disposes.
    /// </summary>
    public static async Task<DetachedDaemon> LaunchAsync(
        Implementation implementation,
        NetworkNamespace ns,
        string? interfaceName = null,
        IReadOnlyList<string>? arguments = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ReferencePeers.Require(implementation);
        var name = interfaceName ?? ResourceNames.Next('w');
        var before = await PidsAsync(ns).ConfigureAwait(false);
        var stdoutPath = TempFiles.NewPath($"launch-{name}.out");
        var stderrPath = TempFiles.NewPath($"launch-{name}.err");
        ProcessResult launch;
        HashSet<int> after;
        try
        {
            // sh applies the redirections and execs the launcher, which so never sees the harness's pipes.
            var run = await ns.ExecAsync(
                ["sh", "-c", "out=$1; err=$2; shift 2; exec \"$@\" >\"$out\" 2>\"$err\"", "sh", stdoutPath, stderrPath,
                    implementation.Executable, .. arguments ?? [], name],
                LaunchTimeout,
                environment).ConfigureAwait(false);
            launch = run with
            {
                StandardOutput = ReadIfExists(stdoutPath) + run.StandardOutput,
                StandardError = ReadIfExists(stderrPath) + run.StandardError,
            };
            after = await PidsAsync(ns).ConfigureAwait(false);
        }
        catch
        {
            // No handle to stop a daemon that may have started: removing its socket makes it exit, and the
            // namespace's Dispose kills whatever is still inside.
            FileCleanup.DeleteIfPresent(WireGuardPeer.SocketPathFor(name));
            throw;
        }

        int? pid = after.Except(before).Where(p => CommandLine(p).Contains(name, StringComparison.Ordinal)).Cast<int?>().FirstOrDefault();
        var daemon = new DetachedDaemon(ns, name, launch, pid, stdoutPath, stderrPath);
        CleanupRegistry.Register(daemon);
        return daemon;
    }

    /// <summary>Whether <paramref name="pid"/> is a live process (a zombie that no one reaped counts as gone).</summary>
    public static bool IsAlive(int pid)
    {
        string stat;
        try
        {
            stat = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return false;
        }

        // proc(5): "pid (comm) state ...", comm may itself hold ')' so the state follows the last one.
        var close = stat.LastIndexOf(')');
        return close > 0 && close + 2 < stat.Length && stat[close + 2] is not ('Z' or 'X');
    }

    /// <summary>The fields of /proc/&lt;pid&gt;/stat after "(comm)": index 0 is the state, 1 the parent pid, 3 the session id.</summary>
    public static string[] StatFields(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        return stat[(stat.LastIndexOf(')') + 2)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>Polls until the daemon is gone; true if it left within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (IsRunning)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        return true;
    }

    /// <summary>Launch result and process state, for failure messages.</summary>
    public string Describe() =>
        $"== detached daemon {InterfaceName} in {Namespace.Name} (pid {Pid?.ToString(CultureInfo.InvariantCulture) ?? "none"}, {(IsRunning ? "running" : "not running")})\n{Launch.Describe()}";

    public override string ToString() => $"detached:{InterfaceName}";

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (Pid is { } pid && IsAlive(pid))
        {
            Libc.Kill(pid, Libc.SIGTERM);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(3);
            while (IsAlive(pid) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }

            if (IsAlive(pid))
            {
                Libc.Kill(pid, Libc.SIGKILL);
            }
        }

        // A daemon that was killed rather than stopped cannot remove its own socket. A launch that failed
        // and left no daemon owns no socket: the path may be another daemon's (the "socket in use" case).
        if (Pid is not null || Launch.Succeeded)
        {
            FileCleanup.DeleteIfPresent(SocketPath);
        }
        CleanupRegistry.Unregister(this);
    }

    private static async Task<HashSet<int>> PidsAsync(NetworkNamespace ns)
    {
        var pids = await ProcessRunner.RunCheckedAsync(["ip", "netns", "pids", ns.Name], TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        return pids.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => int.TryParse(line, NumberStyles.None, CultureInfo.InvariantCulture, out var p) ? p : 0)
            .Where(p => p > 0)
            .ToHashSet();
    }

    private static string ReadIfExists(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return string.Empty;
        }
    }

    private static string CommandLine(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/cmdline").Replace('\0', ' ');
        }
        catch (IOException)
        {
            return string.Empty;
        }
    }
}
