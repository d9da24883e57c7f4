// One WireGuard daemon (reference or wgsharp) running in a namespace: started in the foreground with a
// verbose log, configured and read back through the stock `wg` tool over its UAPI socket.
using System.Globalization;

namespace WgSharp.Interop.Tests.Harness;

internal sealed class WireGuardPeer : IDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly BackgroundProcess _daemon;
    private int _disposed; // 0 or 1, set once through Interlocked

    private WireGuardPeer(Implementation implementation, NetworkNamespace ns, string interfaceName, BackgroundProcess daemon)
    {
        Implementation = implementation;
        Namespace = ns;
        InterfaceName = interfaceName;
        _daemon = daemon;
        CleanupRegistry.Register(this);
    }

    public Implementation Implementation { get; }

    public NetworkNamespace Namespace { get; }

    public string InterfaceName { get; }

    /// <summary>UAPI socket; /var/run/wireguard is shared by all namespaces, hence machine-unique names.</summary>
    public string SocketPath => SocketPathFor(InterfaceName);

    public string LogPath => _daemon.LogPath;

    public bool HasExited => _daemon.HasExited;

    public int Pid => _daemon.Pid;

    /// <summary>The daemon's exit code, or null while it runs.</summary>
    public int? ExitCode => _daemon.ExitCode;

    public static string SocketPathFor(string interfaceName) =>
        Path.Combine(StaleResourceSweeper.SocketDirectory, interfaceName + ".sock");

    /// <summary>Starts the daemon and waits for its UAPI socket and TUN interface.</summary>
    public static Task<WireGuardPeer> StartAsync(Implementation implementation, NetworkNamespace ns) =>
        StartAsync(implementation, ns, "verbose");

    /// <summary>
    /// As <see cref="StartAsync(Implementation, NetworkNamespace)"/> with LOG_LEVEL=<paramref name="logLevel"/>.
    /// With <paramref name="foregroundFlag"/> the foreground is asked for by the `-f` argument instead of
    /// WG_PROCESS_FOREGROUND=1 (both daemons accept either).
    /// </summary>
    public static async Task<WireGuardPeer> StartAsync(Implementation implementation, NetworkNamespace ns, string logLevel, bool foregroundFlag = false)
    {
        ReferencePeers.Require(implementation);
        var name = ResourceNames.Next('w');
        var environment = new Dictionary<string, string> { ["LOG_LEVEL"] = logLevel };
        if (!foregroundFlag)
        {
            environment["WG_PROCESS_FOREGROUND"] = "1";
        }

        var daemon = ns.StartBackground(
            foregroundFlag ? [implementation.Executable, "-f", name] : [implementation.Executable, name],
            TempFiles.NewPath($"{implementation}-{name}.log"),
            environment);
        var peer = new WireGuardPeer(implementation, ns, name, daemon);
        try
        {
            await peer.WaitUntilReadyAsync().ConfigureAwait(false);
            return peer;
        }
        catch
        {
            peer.Dispose();
            throw;
        }
    }

    /// <summary>`wg set &lt;if&gt; args...`.</summary>
    public Task<ProcessResult> SetAsync(params string[] arguments) =>
        Namespace.ExecCheckedAsync(["wg", "set", InterfaceName, .. arguments]);

    /// <summary>`wg setconf &lt;if&gt; file` with <paramref name="config"/> written to a 0600 temp file.</summary>
    public Task<ProcessResult> SetConfAsync(string config, TimeSpan? timeout = null) =>
        Namespace.ExecCheckedAsync(["wg", "setconf", InterfaceName, TempFiles.WriteSecret("setconf", config)], timeout);

    public async Task<WgDump> ShowDumpAsync(TimeSpan? timeout = null) =>
        WgDump.Parse((await Namespace.ExecCheckedAsync(["wg", "show", InterfaceName, "dump"], timeout).ConfigureAwait(false)).StandardOutput);

    public async Task<WgConfig> ShowConfAsync(TimeSpan? timeout = null) =>
        WgConfig.Parse((await Namespace.ExecCheckedAsync(["wg", "showconf", InterfaceName], timeout).ConfigureAwait(false)).StandardOutput);

    public Task AddAddressAsync(string cidr) => Namespace.AddAddressAsync(InterfaceName, cidr);

    public Task SetLinkUpAsync(int mtu) => Namespace.SetLinkUpAsync(InterfaceName, mtu);

    public Task<ProcessResult> SetMtuAsync(int mtu) =>
        Namespace.ExecCheckedAsync(["ip", "link", "set", "dev", InterfaceName, "mtu", mtu.ToString(CultureInfo.InvariantCulture)]);

    /// <summary>A counter of the TUN interface from /sys/class/net/&lt;if&gt;/statistics (sysfs of its namespace).</summary>
    public async Task<long> ReadLinkCounterAsync(string counter)
    {
        var read = await Namespace.ExecCheckedAsync(["cat", $"/sys/class/net/{InterfaceName}/statistics/{counter}"]).ConfigureAwait(false);
        return long.Parse(read.StandardOutput.Trim(), CultureInfo.InvariantCulture);
    }

    public Task<bool> WaitForExitAsync(TimeSpan timeout) => _daemon.WaitForExitAsync(timeout);

    /// <summary>Sends SIGTERM to the daemon (as a service manager would) without waiting.</summary>
    public void SendTerminate() => Libc.Kill(_daemon.Pid, Libc.SIGTERM);

    /// <summary>Sends SIGINT to the daemon (Ctrl-C in a terminal) without waiting.</summary>
    public void SendInterrupt() => Libc.Kill(_daemon.Pid, Libc.SIGINT);

    /// <summary>The whole log so far; complete once the peer is disposed (the last lines are flushed then).</summary>
    public string ReadLog() => _daemon.ReadLog();

    public string ReadLogTail(int maxChars = 6000) => _daemon.ReadLogTail(maxChars);

    /// <summary>Implementation, interface, exit state and log tail, for failure messages.</summary>
    public string Describe()
    {
        var state = _daemon.HasExited ? $"exited with {_daemon.ExitCode}" : "running";
        return $"== {Implementation} {InterfaceName} in {Namespace.Name} (pid {_daemon.Pid}, {state}), log {LogPath}:\n{ReadLogTail()}";
    }

    public override string ToString() => $"{Implementation}:{InterfaceName}";

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _daemon.Dispose();
        // A daemon that was killed rather than stopped cannot remove its own socket.
        FileCleanup.DeleteIfPresent(SocketPath);
        CleanupRegistry.Unregister(this);
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow + StartTimeout;
        while (!File.Exists(SocketPath))
        {
            if (_daemon.HasExited)
            {
                throw new InvalidOperationException($"{this} exited before creating {SocketPath}\n{Describe()}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{this} did not create {SocketPath} within {StartTimeout.TotalSeconds} s\n{Describe()}");
            }

            await Task.Delay(20).ConfigureAwait(false);
        }

        var link = await Namespace.ExecAsync(["ip", "link", "show", "dev", InterfaceName]).ConfigureAwait(false);
        if (!link.Succeeded)
        {
            throw new InvalidOperationException($"{this} created its socket but no interface: {link.Describe()}\n{Describe()}");
        }
    }
}
