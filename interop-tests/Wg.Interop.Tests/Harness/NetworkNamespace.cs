// A uniquely named network namespace with loopback up; runs commands inside it and owns the background
// processes started there. Dispose (or process exit) kills them and deletes the namespace.
using System.Net;
using System.Net.Sockets;

namespace WgSharp.Interop.Tests.Harness;

internal sealed class NetworkNamespace : IDisposable
{
    private readonly List<BackgroundProcess> _background = []; // guarded by itself
    private int _disposed; // 0 or 1, set once through Interlocked

    private NetworkNamespace(string name)
    {
        Name = name;
        CleanupRegistry.Register(this);
    }

    public string Name { get; }

    public static async Task<NetworkNamespace> CreateAsync()
    {
        ReferencePeers.RequireTools();
        StaleResourceSweeper.EnsureSwept();
        var name = ResourceNames.Next('n');
        await ProcessRunner.RunCheckedAsync(["ip", "netns", "add", name]).ConfigureAwait(false);
        var ns = new NetworkNamespace(name);
        try
        {
            await ns.ExecCheckedAsync(["ip", "link", "set", "lo", "up"]).ConfigureAwait(false);
            return ns;
        }
        catch
        {
            ns.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="command"/> inside the namespace (`ip netns exec`), bounded by <paramref name="timeout"/>.</summary>
    public Task<ProcessResult> ExecAsync(
        IReadOnlyList<string> command,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null) =>
        ProcessRunner.RunAsync(Wrap(command), timeout, environment);

    /// <summary>As <see cref="ExecAsync"/>, throwing <see cref="ProcessFailedException"/> unless it exits 0 in time.</summary>
    public Task<ProcessResult> ExecCheckedAsync(
        IReadOnlyList<string> command,
        TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null) =>
        ProcessRunner.RunCheckedAsync(Wrap(command), timeout, environment);

    /// <summary>
    /// Starts a long-running process inside the namespace; output goes to <paramref name="logPath"/>.
    /// `ip netns exec` execs the command, so the tracked pid is the command's own.
    /// </summary>
    public BackgroundProcess StartBackground(
        IReadOnlyList<string> command,
        string logPath,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var process = BackgroundProcess.Start(Wrap(command), logPath, environment);
        lock (_background)
        {
            _background.Add(process);
        }

        return process;
    }

    /// <summary>Adds an address; IPv6 ones get `nodad` so they are usable at once instead of after DAD.</summary>
    public Task AddAddressAsync(string device, string cidr) =>
        ExecCheckedAsync(IsV6(cidr)
            ? ["ip", "-6", "addr", "add", cidr, "dev", device, "nodad"]
            : ["ip", "addr", "add", cidr, "dev", device]);

    public Task RemoveAddressAsync(string device, string cidr) =>
        ExecCheckedAsync(["ip", IsV6(cidr) ? "-6" : "-4", "addr", "del", cidr, "dev", device]);

    public Task SetLinkUpAsync(string device, int? mtu = null) =>
        ExecCheckedAsync(mtu is { } m
            ? ["ip", "link", "set", "dev", device, "mtu", m.ToString(System.Globalization.CultureInfo.InvariantCulture), "up"]
            : ["ip", "link", "set", "dev", device, "up"]);

    /// <summary>Polls `ss` until something listens on TCP <paramref name="port"/>; false after <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitForTcpListenerAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        do
        {
            var ss = await ExecAsync(["ss", "-Hltn", $"sport = :{port}"], TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            if (ss.Succeeded && ss.StandardOutput.Trim().Length > 0)
            {
                return true;
            }

            await Task.Delay(50).ConfigureAwait(false);
        }
        while (DateTime.UtcNow < deadline);
        return false;
    }

    public override string ToString() => Name;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        BackgroundProcess[] processes;
        lock (_background)
        {
            processes = [.. _background];
            _background.Clear();
        }

        foreach (var process in processes)
        {
            process.Dispose();
        }

        // Anything else still inside (a child a test started some other way) would keep the namespace alive.
        var pids = ProcessRunner.Run(["ip", "netns", "pids", Name], TimeSpan.FromSeconds(10));
        foreach (var line in pids.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (int.TryParse(line, out var pid))
            {
                Libc.Kill(pid, Libc.SIGKILL);
            }
        }

        var delete = ProcessRunner.Run(["ip", "netns", "del", Name], TimeSpan.FromSeconds(10));
        CleanupRegistry.Unregister(this);
        if (!delete.Succeeded)
        {
            throw new ProcessFailedException(delete);
        }
    }

    private static bool IsV6(string cidr) =>
        IPAddress.Parse(cidr.Split('/')[0]).AddressFamily == AddressFamily.InterNetworkV6;

    private List<string> Wrap(IReadOnlyList<string> command) => ["ip", "netns", "exec", Name, .. command];
}
