// Starting and stopping the interface's daemon for `up`/`down`: this same program run as
// `wgsharp <ifname>` (which returns once the interface and its UAPI socket are ready), found again
// through the UAPI socket's peer credentials, and stopped with SIGTERM (then SIGKILL) by pid.
using System.Diagnostics;
using System.Net.Sockets;
using WgSharp.Cli.Uapi;

namespace WgSharp.Cli.Host;

internal static class DaemonProcess
{
    private const int SolSocket = 1;    // SOL_SOCKET
    private const int SoPeerCred = 17;  // SO_PEERCRED: struct ucred { pid_t pid; uid_t uid; gid_t gid; }

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(45);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The program to run as the daemon: this executable.</summary>
    public static string Executable =>
        Environment.ProcessPath ?? throw new QuickException("cannot find its own executable to start the daemon");

    /// <summary>Runs `wgsharp &lt;ifname&gt;` and waits until it has gone to the background, ready. What it
    /// prints on standard error is passed on to <paramref name="console"/>.</summary>
    /// <exception cref="QuickException">It did not start (it printed why).</exception>
    public static void Start(string interfaceName, string user, QuickConsole console)
    {
        // The launcher's standard streams are pipes of our own rather than ours inherited: the daemon it leaves
        // behind inherits them in turn, and a daemon holding our caller's stdout or stderr open would keep
        // anyone reading `wgsharp up`'s output to its end (a pipe, a test harness) waiting until `down`.
        var start = new ProcessStartInfo(Executable)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // The user `up` chose (and gave the daemon's directory to); the daemon says at start what it runs as.
        start.ArgumentList.Add("--user");
        start.ArgumentList.Add(user);
        start.ArgumentList.Add(interfaceName);
        // The daemon must go to the background: a foreground request from our environment would block `up`.
        start.Environment.Remove("WG_PROCESS_FOREGROUND");
        start.Environment.Remove(Daemon.SystemdNotifier.Variable); // `up` itself tells systemd, once everything is done
        using Process launcher = Process.Start(start) ?? throw new QuickException("cannot start the daemon");
        var endOfErrors = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        launcher.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                endOfErrors.TrySetResult();
            }
            else
            {
                console.Line(e.Data);
            }
        };
        launcher.OutputDataReceived += (_, _) => { };
        launcher.BeginErrorReadLine();
        launcher.BeginOutputReadLine();
        launcher.StandardInput.Close();

        // WaitForExit(TimeSpan) returns at exit without waiting for the pipes to close (the daemon may hold them).
        if (!launcher.WaitForExit(StartTimeout))
        {
            launcher.Kill();
            throw new QuickException($"the daemon did not become ready within {StartTimeout.TotalSeconds:0} s");
        }

        if (launcher.ExitCode != 0)
        {
            // No daemon stays behind then, so the reasons it printed arrive in full.
            endOfErrors.Task.Wait(TimeSpan.FromSeconds(2));
            throw new QuickException($"the daemon for '{interfaceName}' did not start (exit code {launcher.ExitCode})");
        }
    }

    /// <summary>The pid of the process serving the interface's UAPI socket; null when none answers.</summary>
    public static StateDaemon? Find(string interfaceName, string socketDirectory = UapiSocket.DefaultDirectory)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(UapiSocket.PathFor(interfaceName, socketDirectory)));
            Span<byte> credentials = stackalloc byte[12];
            if (socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials) < 4)
            {
                return null;
            }

            int pid = BitConverter.ToInt32(credentials);
            return pid > 0 && ProcessSignals.StartTime(pid) is { } startTime ? new StateDaemon { Pid = pid, StartTime = startTime } : null;
        }
        catch (SocketException)
        {
            return null;
        }
    }

    /// <summary>
    /// Stops the daemon: the recorded process if it still runs, else whoever serves the socket. SIGTERM lets it
    /// remove its socket and interface; SIGKILL follows when it does not exit in time. A socket file left by a
    /// killed daemon is removed. Returns false when a daemon is still running afterwards.
    /// </summary>
    public static bool Stop(string interfaceName, StateDaemon? recorded, QuickConsole console, TimeProvider clock,
        string socketDirectory = UapiSocket.DefaultDirectory)
    {
        StateDaemon? daemon = recorded is { Pid: > 0 } && ProcessSignals.IsRunning(recorded.Pid, recorded.StartTime)
            ? recorded
            : Find(interfaceName, socketDirectory);
        bool stopped = true;
        if (daemon is not null)
        {
            console.Command($"kill -TERM {daemon.Pid}");
            ProcessSignals.Send(daemon.Pid, ProcessSignals.SigTerm);
            if (!ProcessSignals.WaitForExit(daemon.Pid, daemon.StartTime, StopTimeout, clock))
            {
                console.Warning($"the daemon (pid {daemon.Pid}) did not stop within {StopTimeout.TotalSeconds:0} s");
                console.Command($"kill -KILL {daemon.Pid}");
                ProcessSignals.Send(daemon.Pid, ProcessSignals.SigKill);
                stopped = ProcessSignals.WaitForExit(daemon.Pid, daemon.StartTime, StopTimeout, clock);
            }
        }

        string socketPath = UapiSocket.PathFor(interfaceName, socketDirectory);
        if (File.Exists(socketPath) && !UapiSocket.IsAnswering(socketPath))
        {
            console.Command($"rm -f {socketPath}");
            File.Delete(socketPath);
        }

        return stopped;
    }
}
