// Two wireguard-go daemons talking to each other: network namespaces "wgshow<pid>x<n>a"/"...b" joined
// by a veth pair (192.168.213.1 and .2), tunnel addresses 10.213.0.1 and .2, UAPI sockets in a private
// directory that the stock `wg` sees as /var/run/wireguard (see IsolatedWg). Every process is bounded
// by `timeout`; Dispose kills the daemons, deletes the namespaces and the directory, also after a
// failed start.
using System.Diagnostics;
using WgSharp.Cli.Tests.Support;
using WgSharp.Cli.Uapi;

namespace WgSharp.Cli.Tests.Show;

internal sealed class WireGuardGoNetwork : IAsyncDisposable
{
    public const string NameA = "wgs-a";
    public const string NameB = "wgs-b";
    public const ushort PortA = 51001;
    public const ushort PortB = 51002;

    private static int s_counter;
    private readonly string _root = TestNames.TempDirectory();
    private readonly List<Process> _daemons = [];
    private readonly List<string> _namespaces = [];

    private WireGuardGoNetwork()
    {
        string id = $"wgshow{Environment.ProcessId}x{Interlocked.Increment(ref s_counter)}";
        NamespaceA = id + "a";
        NamespaceB = id + "b";
        SocketDirectory = Path.Combine(_root, "run");
        Directory.CreateDirectory(SocketDirectory);
    }

    public string NamespaceA { get; }

    public string NamespaceB { get; }

    public string SocketDirectory { get; }

    /// <summary>Daemon A's key is TestKeys.Private(11), B's TestKeys.Private(12).</summary>
    public static string PublicKeyOf(int seed)
    {
        using var key = WgSharp.Noise.Keys.PrivateKey.FromBytes(TestKeys.Private(seed));
        return key.ComputePublicKey().ToBase64();
    }

    /// <summary>Both daemons up and configured as each other's peer (A's peer B with a preshared key).</summary>
    public static async Task<WireGuardGoNetwork> StartAsync()
    {
        var network = new WireGuardGoNetwork();
        try
        {
            await network.SetUpAsync();
            return network;
        }
        catch
        {
            await network.DisposeAsync();
            throw;
        }
    }

    private async Task SetUpAsync()
    {
        foreach (string name in new[] { NamespaceA, NamespaceB })
        {
            await RunOkAsync("ip", "netns", "add", name);
            _namespaces.Add(name);
            await RunOkAsync("ip", "-n", name, "link", "set", "lo", "up");
        }

        await RunOkAsync("ip", "-n", NamespaceA, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", NamespaceB);
        await RunOkAsync("ip", "-n", NamespaceA, "addr", "add", "192.168.213.1/24", "dev", "v0");
        await RunOkAsync("ip", "-n", NamespaceB, "addr", "add", "192.168.213.2/24", "dev", "v1");
        await RunOkAsync("ip", "-n", NamespaceA, "link", "set", "v0", "up");
        await RunOkAsync("ip", "-n", NamespaceB, "link", "set", "v1", "up");

        StartDaemon(NamespaceA, NameA);
        StartDaemon(NamespaceB, NameB);
        await WaitForSocketAsync(NameA);
        await WaitForSocketAsync(NameB);

        string psk = WriteSecret("psk", TestKeys.Bytes(13));
        await WgOkAsync("set", NameA, "private-key", WriteSecret("a.key", TestKeys.Private(11)), "listen-port", $"{PortA}",
            "peer", PublicKeyOf(12), "preshared-key", psk, "endpoint", $"192.168.213.2:{PortB}", "allowed-ips", "10.213.0.2/32");
        await WgOkAsync("set", NameB, "private-key", WriteSecret("b.key", TestKeys.Private(12)), "listen-port", $"{PortB}",
            "peer", PublicKeyOf(11), "preshared-key", psk, "endpoint", $"192.168.213.1:{PortA}", "allowed-ips", "10.213.0.1/32");
        await RunOkAsync("ip", "-n", NamespaceA, "addr", "add", "10.213.0.1/24", "dev", NameA);
        await RunOkAsync("ip", "-n", NamespaceB, "addr", "add", "10.213.0.2/24", "dev", NameB);
        await RunOkAsync("ip", "-n", NamespaceA, "link", "set", NameA, "up");
        await RunOkAsync("ip", "-n", NamespaceB, "link", "set", NameB, "up");
    }

    /// <summary>Pings B's tunnel address from A (a handshake first if there is no session).</summary>
    public Task PingAsync() =>
        RunOkAsync("ip", "netns", "exec", NamespaceA, "ping", "-c", "2", "-i", "0.2", "-W", "3", "10.213.0.2");

    public Task<string> WgOkAsync(params string[] args) => IsolatedWg.WgOkAsync(SocketDirectory, [], args);

    /// <summary>A file only the owner may read, in the test's directory.</summary>
    public string WriteFile(string name, string text)
    {
        string path = Path.Combine(_root, name);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private string WriteSecret(string name, byte[] key) => WriteFile(name, Convert.ToBase64String(key) + "\n");

    private void StartDaemon(string netns, string name)
    {
        var start = new ProcessStartInfo("timeout") { UseShellExecute = false };
        string log = Path.Combine(_root, name + ".log");
        foreach (string argument in IsolatedWg.Wrap(SocketDirectory, 300,
            "sh", "-c", "exec ip netns exec \"$0\" wireguard-go -f \"$1\" >\"$2\" 2>&1", netns, name, log))
        {
            start.ArgumentList.Add(argument);
        }

        _daemons.Add(Process.Start(start) ?? throw new InvalidOperationException("could not start wireguard-go"));
    }

    private async Task WaitForSocketAsync(string name)
    {
        string path = UapiSocket.PathFor(name, SocketDirectory);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!(File.Exists(path) && UapiSocket.IsAnswering(path)))
        {
            if (DateTime.UtcNow > deadline || _daemons.Exists(d => d.HasExited))
            {
                string log = Path.Combine(_root, name + ".log");
                throw new InvalidOperationException($"wireguard-go {name} did not start: {(File.Exists(log) ? File.ReadAllText(log) : "(no log)")}");
            }

            await Task.Delay(50);
        }
    }

    private static async Task RunOkAsync(string program, params string[] args)
    {
        ProcessResult result = await ProcessRunner.RunAsync(program, args, timeout: TimeSpan.FromSeconds(20));
        Assert.True(result.ExitCode == 0, $"{program} {string.Join(' ', args)} failed:\n{result}");
    }

    public async ValueTask DisposeAsync()
    {
        foreach (Process daemon in _daemons)
        {
            try
            {
                if (!daemon.HasExited)
                {
                    daemon.Kill(entireProcessTree: true);
                }

                await daemon.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
            catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or System.ComponentModel.Win32Exception)
            {
                // Already gone, or `timeout` ends it.
            }
            finally
            {
                daemon.Dispose();
            }
        }

        foreach (string name in _namespaces)
        {
            await ProcessRunner.RunAsync("ip", ["netns", "del", name], timeout: TimeSpan.FromSeconds(20));
        }

        Directory.Delete(_root, recursive: true);
    }
}
