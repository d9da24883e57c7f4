// Removes what an earlier, killed run of this harness left behind: its namespaces (and the processes in
// them), UAPI sockets, daemons and temp directories. Only names of our pattern whose creating pid is dead.
namespace WgSharp.Interop.Tests.Harness;

internal static class StaleResourceSweeper
{
    public const string SocketDirectory = "/var/run/wireguard";

    private static readonly Lazy<SweepReport> Once = new(Sweep);

    /// <summary>Sweeps once per test process, before the first resource is created.</summary>
    public static void EnsureSwept() => _ = Once.Value;

    public static SweepReport Sweep()
    {
        var errors = new List<string>();
        var processes = KillStaleProcesses();
        var namespaces = DeleteStaleNamespaces(errors);
        var sockets = DeleteStale(SocketDirectory, "*.sock", Path.GetFileNameWithoutExtension, isDirectory: false);
        var directories = DeleteStale(Path.GetTempPath(), ResourceNames.Prefix + "*", Path.GetFileName, isDirectory: true);
        return new SweepReport(namespaces, sockets, processes, directories, errors);
    }

    /// <summary>Alive means a /proc entry that is not a zombie (proc(5): state field after the comm).</summary>
    public static bool IsAlive(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var close = stat.LastIndexOf(')');
            return close > 0 && close + 2 < stat.Length && stat[close + 2] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    private static bool IsStale(string name) =>
        ResourceNames.TryParseOwner(name, out var owner) && owner != ResourceNames.OwnerPid && !IsAlive(owner);

    // A daemon or helper of a dead run is recognised by an argument that is one of our stale names
    // (`wireguard-go wgi123w4`, `ip netns exec wgi123n1 ...`), so only our own leftovers are signalled.
    private static int KillStaleProcesses()
    {
        var killed = 0;
        foreach (var entry in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), out var pid) || pid == ResourceNames.OwnerPid)
            {
                continue;
            }

            string cmdline;
            try
            {
                cmdline = File.ReadAllText(Path.Combine(entry, "cmdline"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            if (cmdline.Split('\0').Any(IsStale) && Libc.Kill(pid, Libc.SIGKILL) == 0)
            {
                killed++;
            }
        }

        return killed;
    }

    private static int DeleteStaleNamespaces(List<string> errors)
    {
        var list = ProcessRunner.Run(["ip", "netns", "list"], TimeSpan.FromSeconds(10));
        var deleted = 0;
        foreach (var line in list.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            // Lines are "name" or "name (id: N)".
            var name = line.Split(' ', 2)[0];
            if (!IsStale(name))
            {
                continue;
            }

            // Processes started in it some other way than by a command line naming it.
            var pids = ProcessRunner.Run(["ip", "netns", "pids", name], TimeSpan.FromSeconds(10));
            foreach (var pid in pids.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(pid, out var p))
                {
                    Libc.Kill(p, Libc.SIGKILL);
                }
            }

            var delete = ProcessRunner.Run(["ip", "netns", "del", name], TimeSpan.FromSeconds(10));
            if (delete.Succeeded)
            {
                deleted++;
            }
            else
            {
                errors.Add(delete.Describe());
            }
        }

        return deleted;
    }

    private static int DeleteStale(string directory, string pattern, Func<string, string> nameOf, bool isDirectory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return 0;
        }

        var deleted = 0;
        var entries = isDirectory
            ? System.IO.Directory.EnumerateDirectories(directory, pattern)
            : System.IO.Directory.EnumerateFiles(directory, pattern);
        foreach (var path in entries.ToList())
        {
            if (!IsStale(nameOf(path)))
            {
                continue;
            }

            try
            {
                if (isDirectory)
                {
                    System.IO.Directory.Delete(path, recursive: true);
                }
                else
                {
                    File.Delete(path);
                }

                deleted++;
            }
            catch (IOException)
            {
                // Raced with another sweeper; whoever won removed it.
            }
        }

        return deleted;
    }
}
