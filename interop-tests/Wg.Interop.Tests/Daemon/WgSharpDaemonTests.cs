// wgsharp's own daemon behaviour: a background start that returns only once `wg`
// works, refusals with a clear message and nothing left behind, shutdown on socket removal and SIGINT,
// LOG_LEVEL without key material in the log, and a TUN interface that keeps working in another namespace.
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Daemon;

public sealed partial class WgSharpDaemonTests
{
    private const int DaemonPort = 51820;
    private const int ReferencePort = 51821;
    private const int TunnelMtu = 1420;

    private static readonly Implementation WgSharpBuild = Implementation.WgSharpFromRepository();
    private static readonly TimeSpan ExitWithin = TimeSpan.FromSeconds(5);

    // The daemon looks at its socket file once a second; "within about 3 s" with scheduling slack.
    private static readonly TimeSpan SocketRemovalExitWithin = TimeSpan.FromSeconds(3.5);

    // Tunnel addresses (RFC 1918): the daemon under test and its wireguard-go peer.
    private static readonly IPAddress DaemonTunnel = IPAddress.Parse("10.233.0.1");
    private static readonly IPAddress ReferenceTunnel = IPAddress.Parse("10.233.0.2");

    // A peer behind an endpoint no test namespace has a route to (RFC 5737 TEST-NET-2): sends to it fail locally.
    private static readonly IPAddress UnroutedPeerTunnel = IPAddress.Parse("10.233.1.1");
    private static readonly IPEndPoint UnroutedEndpoint = new(IPAddress.Parse("198.51.100.1"), 51820);

    // Built once, as root, before any test runs it: a build started by the launcher during a test would
    // print to the log (breaking the silent-log check) and could not run at all as an unprivileged user.
    private static readonly Lazy<Task> Built = new(() =>
        ProcessRunner.RunCheckedAsync([RepositoryRoot.WgSharpLauncher, "--version"], TimeSpan.FromMinutes(5)));

    private static string PublishedBinary => Path.Combine(RepositoryRoot.Path, ".build", "wgsharp", "wgsharp");

    [Fact(Timeout = 60_000)]
    public async Task BackgroundStartReturnsOnlyWhenReadyAndLeavesTheDaemonRunningDetached()
    {
        await Built.Value;
        using var ns = await NetworkNamespace.CreateAsync();
        using var daemon = await DetachedDaemon.LaunchAsync(WgSharpBuild, ns);
        Assert.True(daemon.Launch.Succeeded, $"background start failed\n{daemon.Describe()}");

        // Once, no retry: exit 0 promises that `wg` works now (wg-quick configures right after it).
        var show = await ns.ExecAsync(["wg", "show", daemon.InterfaceName], TimeSpan.FromSeconds(5));
        Assert.True(show.Succeeded, $"`wg show` right after the launcher returned: {show.Describe()}\n{daemon.Describe()}");
        Assert.Contains($"interface: {daemon.InterfaceName}", show.StandardOutput, StringComparison.Ordinal);
        var link = await ns.ExecAsync(["ip", "link", "show", "dev", daemon.InterfaceName]);
        Assert.True(link.Succeeded, $"no link right after the launcher returned: {link.Describe()}\n{daemon.Describe()}");

        // Detached: a process of its own, leader of its own session, holding none of its caller's output.
        Assert.True(daemon.Pid is not null && daemon.IsRunning, $"no daemon process left running in {ns}\n{daemon.Describe()}");
        var pid = daemon.Pid.Value;
        var stat = DetachedDaemon.StatFields(pid);
        Assert.True(stat[3] == pid.ToString(CultureInfo.InvariantCulture), $"daemon {pid} is not a session leader (session {stat[3]}): it did not setsid");
        var stdin = new FileInfo($"/proc/{pid}/fd/0").LinkTarget;
        Assert.True(stdin == "/dev/null", $"daemon stdin is {stdin}, not /dev/null");
        // Were these pipes, a caller reading the output to its end (`x=$(wgsharp wg0)`, any process runner)
        // would wait until the daemon exits, however early the launcher returned.
        var held = Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd")
            .Select(fd => (Fd: Path.GetFileName(fd), Target: new FileInfo(fd).LinkTarget))
            .Where(fd => fd.Target == daemon.StandardOutputPath || fd.Target == daemon.StandardErrorPath)
            .Select(fd => $"fd {fd.Fd} -> {fd.Target}")
            .ToList();
        Assert.True(held.Count == 0, $"the detached daemon still holds its caller's stdout/stderr: {string.Join(", ", held)}");

        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.True(daemon.IsRunning, $"daemon exited after detaching\n{daemon.Describe()}");
        var again = await ns.ExecAsync(["wg", "show", daemon.InterfaceName], TimeSpan.FromSeconds(5));
        Assert.True(again.Succeeded, $"`wg show` a second later: {again.Describe()}");
    }

    [Theory(Timeout = 90_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SecondDaemonForTheSameInterfaceFailsWithSocketInUseAndLeavesTheFirstUnharmed(bool foreground)
    {
        await Built.Value;
        using var ns = await NetworkNamespace.CreateAsync();
        using var first = await DetachedDaemon.LaunchAsync(WgSharpBuild, ns);
        Assert.True(first.Launch.Succeeded && first.IsRunning, $"first daemon did not start\n{first.Describe()}");

        using var second = await DetachedDaemon.LaunchAsync(WgSharpBuild, ns, first.InterfaceName, foreground ? ["-f"] : null);
        Assert.True(second.Launch.ExitCode == 1 && !second.Launch.TimedOut, $"second daemon should exit 1\n{second.Describe()}");
        Assert.True(SocketInUse().IsMatch(second.Launch.StandardError), $"message should say the socket is in use\n{second.Describe()}");
        Assert.True(second.Pid is null, $"a second daemon process stayed behind\n{second.Describe()}");

        Assert.True(first.IsRunning, $"first daemon died\n{first.Describe()}");
        Assert.True(File.Exists(first.SocketPath), $"{first.SocketPath} is gone");
        var show = await ns.ExecAsync(["wg", "show", first.InterfaceName], TimeSpan.FromSeconds(5));
        Assert.True(show.Succeeded, $"first daemon no longer answers: {show.Describe()}\n{first.Describe()}");
        var link = await ns.ExecAsync(["ip", "link", "show", "dev", first.InterfaceName]);
        Assert.True(link.Succeeded, $"first daemon's link is gone: {link.Describe()}");
    }

    [Theory(Timeout = 60_000)]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NameHeldByANonTunInterfaceFailsClearlyAndLeavesNothingBehind(bool foreground)
    {
        await Built.Value;
        using var ns = await NetworkNamespace.CreateAsync();
        var name = ResourceNames.Next('w');
        var kind = await AddNonTunLinkAsync(ns, name);

        using var attempt = await DetachedDaemon.LaunchAsync(WgSharpBuild, ns, name, foreground ? ["-f"] : null);
        var message = attempt.Launch.StandardError;
        Assert.True(attempt.Launch.ExitCode == 1 && !attempt.Launch.TimedOut, $"should exit 1 when a {kind} holds the name\n{attempt.Describe()}");
        Assert.True(
            message.Contains(name, StringComparison.Ordinal) && message.Contains("TUN", StringComparison.Ordinal) && NameTaken().IsMatch(message),
            $"message should name the interface and say a non-TUN interface has the name\n{attempt.Describe()}");

        Assert.False(File.Exists(attempt.SocketPath), $"{attempt.SocketPath} left behind\n{attempt.Describe()}");
        var leftovers = Directory.EnumerateFileSystemEntries(StaleResourceSweeper.SocketDirectory)
            .Where(p => Path.GetFileName(p).Contains(name, StringComparison.Ordinal)).ToList();
        Assert.True(leftovers.Count == 0, $"left in {StaleResourceSweeper.SocketDirectory}: {string.Join(", ", leftovers)}");
        var pids = await ProcessRunner.RunCheckedAsync(["ip", "netns", "pids", ns.Name], TimeSpan.FromSeconds(10));
        Assert.True(pids.StandardOutput.Trim().Length == 0, $"processes left in {ns}: {pids.StandardOutput}\n{attempt.Describe()}");
        var link = await ns.ExecCheckedAsync(["ip", "-d", "link", "show", "dev", name]);
        Assert.True(link.StandardOutput.Contains(kind, StringComparison.Ordinal), $"the {kind} {name} was changed: {link.StandardOutput}");
    }

    [Fact(Timeout = 60_000)]
    public async Task RefusesToStartWithoutRootAndSaysItNeedsRootOrCapNetAdmin()
    {
        await Built.Value;
        using var ns = await NetworkNamespace.CreateAsync();
        var name = ResourceNames.Next('w');
        // setresuid(2) away from 0 clears the permitted and effective capabilities (capabilities(7)).
        string[] asNobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"];
        var launcher = RepositoryRoot.WgSharpLauncher;
        var access = await ns.ExecAsync(
            [.. asNobody, "test", "-r", launcher, "-a", "-x", launcher, "-a", "-x", PublishedBinary, "-a", "-r", PublishedBinary + ".dll"]);
        Assert.True(access.Succeeded, $"user nobody cannot read and run {launcher} and {PublishedBinary}: fix the permissions of the checkout\n{access.Describe()}");

        var run = await ns.ExecAsync([.. asNobody, launcher, "-f", name], TimeSpan.FromSeconds(30));
        Assert.True(run.ExitCode == 1 && !run.TimedOut, $"should exit 1 as user nobody: {run.Describe()}");
        Assert.True(
            run.StandardError.Contains("root", StringComparison.Ordinal) && run.StandardError.Contains("CAP_NET_ADMIN", StringComparison.Ordinal),
            $"message should say it needs root or CAP_NET_ADMIN: {run.Describe()}");
        Assert.False(File.Exists(WireGuardPeer.SocketPathFor(name)), $"socket left behind: {run.Describe()}");
        var link = await ns.ExecAsync(["ip", "link", "show", "dev", name]);
        Assert.False(link.Succeeded, $"an unprivileged start created {name}: {link.Describe()}");
    }

    [Fact(Timeout = 60_000)]
    public async Task DetachedDaemonExitsWithinThreeSecondsOfItsSocketBeingRemoved()
    {
        await Built.Value;
        using var ns = await NetworkNamespace.CreateAsync();
        using var daemon = await DetachedDaemon.LaunchAsync(WgSharpBuild, ns);
        Assert.True(daemon.Launch.Succeeded && daemon.IsRunning, $"daemon did not start\n{daemon.Describe()}");
        await ns.SetLinkUpAsync(daemon.InterfaceName, TunnelMtu);

        // How `wg-quick down` stops a userspace daemon.
        File.Delete(daemon.SocketPath);
        Assert.True(await daemon.WaitForExitAsync(SocketRemovalExitWithin),
            $"still running {SocketRemovalExitWithin.TotalSeconds} s after its socket was removed\n{daemon.Describe()}");
        var link = await ns.ExecAsync(["ip", "link", "show", "dev", daemon.InterfaceName]);
        Assert.False(link.Succeeded, $"{daemon.InterfaceName} still exists after the daemon exited: {link.Describe()}");
    }

    [Fact(Timeout = 60_000)]
    public async Task ForegroundDaemonExitsZeroOnSigintRemovingLinkAndSocket()
    {
        await Built.Value;
        using var ns = await NetworkNamespace.CreateAsync();
        using var daemon = await WireGuardPeer.StartAsync(WgSharpBuild, ns, "verbose", foregroundFlag: true);
        await daemon.SetLinkUpAsync(TunnelMtu);
        // -f: the process we started is the daemon itself, still serving.
        Assert.False(daemon.HasExited, $"`-f` did not keep the daemon in the foreground\n{daemon.Describe()}");

        daemon.SendInterrupt();
        Assert.True(await daemon.WaitForExitAsync(ExitWithin), $"still running {ExitWithin.TotalSeconds} s after SIGINT\n{daemon.Describe()}");
        Assert.True(daemon.ExitCode == 0, $"exit code {daemon.ExitCode} after SIGINT\n{daemon.Describe()}");
        Assert.False(File.Exists(daemon.SocketPath), $"{daemon.SocketPath} left behind\n{daemon.Describe()}");
        var link = await ns.ExecAsync(["ip", "link", "show", "dev", daemon.InterfaceName]);
        Assert.False(link.Succeeded, $"{daemon.InterfaceName} still exists after SIGINT: {link.Describe()}");
    }

    [Fact(Timeout = 90_000)]
    public async Task VerboseLogShowsTheHandshakeButNeverTheKeys()
    {
        var run = await RunTunnelAsync("verbose");
        var lines = run.Log.Split('\n');
        Assert.True(
            lines.Any(l => l.StartsWith("DEBUG", StringComparison.Ordinal) && l.Contains("handshake", StringComparison.OrdinalIgnoreCase)),
            $"no DEBUG line mentions the handshake:\n{run.Log}");
        AssertNoSecrets(run);
    }

    [Fact(Timeout = 90_000)]
    public async Task ErrorLogShowsTheFailedSendButNoDebugLines()
    {
        var run = await RunTunnelAsync("error");
        var lines = run.Log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Any(l => l.StartsWith("ERROR", StringComparison.Ordinal)), $"LOG_LEVEL=error: no ERROR line for the failed send:\n{run.Log}");
        Assert.True(lines.All(l => !l.StartsWith("DEBUG", StringComparison.Ordinal)), $"LOG_LEVEL=error printed DEBUG lines:\n{run.Log}");
        AssertNoSecrets(run);
    }

    [Fact(Timeout = 90_000)]
    public async Task SilentLogPrintsNothingEvenOnErrors()
    {
        var run = await RunTunnelAsync("silent");
        Assert.True(run.Log.Length == 0, $"LOG_LEVEL=silent printed:\n{run.Log}");
    }

    [Fact(Timeout = 90_000)]
    public async Task TunInterfaceMovedToAnotherNamespaceKeepsWorkingAndItsDeletionStopsTheDaemon()
    {
        await Built.Value;
        using var nsDaemon = await NetworkNamespace.CreateAsync();
        using var nsReference = await NetworkNamespace.CreateAsync();
        using var nsTun = await NetworkNamespace.CreateAsync();
        var veth = await VethPair.ConnectAsync(nsDaemon, nsReference);
        using var daemon = await WireGuardPeer.StartAsync(WgSharpBuild, nsDaemon);
        using var reference = await WireGuardPeer.StartAsync(Implementation.WireguardGo, nsReference);
        var (daemonKeys, referenceKeys, _) = await ConfigureAsync(daemon, reference, veth);
        var name = daemon.InterfaceName;
        string Context() => $"{daemon.Describe()}\n{reference.Describe()}";

        // The UDP socket stays in nsDaemon; the interface (and so the tunnel's inner traffic) goes to nsTun.
        await nsDaemon.ExecCheckedAsync(["ip", "link", "set", "dev", name, "netns", nsTun.Name]);
        Assert.False((await nsDaemon.ExecAsync(["ip", "link", "show", "dev", name])).Succeeded, $"{name} still in {nsDaemon}");
        // Moving a link takes its addresses and brings it down.
        await nsTun.AddAddressAsync(name, $"{DaemonTunnel}/24");
        await nsTun.SetLinkUpAsync(name, TunnelMtu);
        await reference.AddAddressAsync($"{ReferenceTunnel}/24");
        await reference.SetLinkUpAsync(TunnelMtu);

        var ping = await Traffic.PingAsync(nsTun, ReferenceTunnel, count: 3, deadline: TimeSpan.FromSeconds(10));
        Assert.True(ping.Succeeded, $"ping from {nsTun} through the moved interface: {ping}\n{Context()}");
        var back = await Traffic.PingAsync(nsReference, DaemonTunnel, count: 3, deadline: TimeSpan.FromSeconds(10));
        Assert.True(back.Succeeded, $"ping from the peer to the moved interface: {back}\n{Context()}");
        Assert.False(daemon.HasExited, $"the daemon stopped when its interface left {nsDaemon}\n{Context()}");

        // The UAPI socket path is not per namespace: `wg` finds it from where the interface now is.
        var dump = WgDump.Parse((await nsTun.ExecCheckedAsync(["wg", "show", name, "dump"])).StandardOutput);
        Assert.Equal(daemonKeys.PrivateKey, dump.PrivateKey);
        var peer = dump.Peer(referenceKeys.PublicKey);
        Assert.True(peer.LatestHandshake is not null && peer.RxBytes > 0, $"`wg show` after the move: {dump.Raw}\n{Context()}");

        await nsTun.ExecCheckedAsync(["ip", "link", "del", "dev", name]);
        Assert.True(await daemon.WaitForExitAsync(ExitWithin), $"still running {ExitWithin.TotalSeconds} s after `ip link del` in {nsTun}\n{Context()}");
        Assert.False(File.Exists(daemon.SocketPath), $"{daemon.SocketPath} left behind\n{Context()}");
    }

    /// <summary>Creates a dummy interface named <paramref name="name"/>, or a bridge where the dummy driver is missing; returns the kind.</summary>
    private static async Task<string> AddNonTunLinkAsync(NetworkNamespace ns, string name)
    {
        foreach (var kind in new[] { "dummy", "bridge" })
        {
            if ((await ns.ExecAsync(["ip", "link", "add", name, "type", kind])).Succeeded)
            {
                return kind;
            }
        }

        throw new InvalidOperationException($"neither a dummy nor a bridge interface can be created in {ns}");
    }

    /// <summary>
    /// wgsharp (LOG_LEVEL=<paramref name="logLevel"/>) and wireguard-go, with a preshared key, handshake and
    /// ping; `wg showconf` (which reads the keys back); a send that fails; SIGTERM. Returns wgsharp's whole output.
    /// </summary>
    private static async Task<TunnelRun> RunTunnelAsync(string logLevel)
    {
        await Built.Value;
        using var nsDaemon = await NetworkNamespace.CreateAsync();
        using var nsReference = await NetworkNamespace.CreateAsync();
        var veth = await VethPair.ConnectAsync(nsDaemon, nsReference);
        using var daemon = await WireGuardPeer.StartAsync(WgSharpBuild, nsDaemon, logLevel);
        using var reference = await WireGuardPeer.StartAsync(Implementation.WireguardGo, nsReference);
        var (keys, _, psk) = await ConfigureAsync(daemon, reference, veth);
        await daemon.AddAddressAsync($"{DaemonTunnel}/24");
        await daemon.SetLinkUpAsync(TunnelMtu);
        await reference.AddAddressAsync($"{ReferenceTunnel}/24");
        await reference.SetLinkUpAsync(TunnelMtu);

        var ping = await Traffic.PingAsync(nsDaemon, ReferenceTunnel, count: 3, deadline: TimeSpan.FromSeconds(10));
        Assert.True(ping.Succeeded, $"ping through the tunnel: {ping}\n{daemon.Describe()}\n{reference.Describe()}");
        var shown = await daemon.ShowConfAsync();
        Assert.Equal(keys.PrivateKey, shown.PrivateKey);

        // An error-level event: a peer whose endpoint has no route from here (so nothing is ever sent),
        // and a packet for it. Its handshake initiation cannot be sent.
        var unreachable = await WgKeys.GenerateKeyPairAsync();
        await daemon.SetAsync("peer", unreachable.PublicKey, "allowed-ips", $"{UnroutedPeerTunnel}/32", "endpoint", UnroutedEndpoint.ToString());
        await nsDaemon.ExecCheckedAsync(["ip", "route", "add", $"{UnroutedPeerTunnel}/32", "dev", daemon.InterfaceName]);
        await Traffic.PingAsync(nsDaemon, UnroutedPeerTunnel, count: 1, deadline: TimeSpan.FromSeconds(2));

        daemon.SendTerminate();
        Assert.True(await daemon.WaitForExitAsync(ExitWithin), $"still running after SIGTERM\n{daemon.Describe()}");
        daemon.Dispose(); // waits for the last lines to reach the log
        return new TunnelRun(daemon.ReadLog(), keys.PrivateKey, psk);
    }

    /// <summary>Keys, ports, endpoints and allowed IPs on both daemons; returns (daemon keys, reference keys, preshared key).</summary>
    private static async Task<(KeyPair Daemon, KeyPair Reference, string PresharedKey)> ConfigureAsync(
        WireGuardPeer daemon, WireGuardPeer reference, VethPair veth)
    {
        var daemonKeys = await WgKeys.GenerateKeyPairAsync();
        var referenceKeys = await WgKeys.GenerateKeyPairAsync();
        var (psk, pskFile) = await WgKeys.GeneratePresharedKeyAsync();
        await daemon.SetAsync(
            "private-key", daemonKeys.PrivateKeyFile, "listen-port", DaemonPort.ToString(CultureInfo.InvariantCulture),
            "peer", referenceKeys.PublicKey, "preshared-key", pskFile, "allowed-ips", $"{ReferenceTunnel}/32",
            "endpoint", new IPEndPoint(veth.B.V4, ReferencePort).ToString());
        await reference.SetAsync(
            "private-key", referenceKeys.PrivateKeyFile, "listen-port", ReferencePort.ToString(CultureInfo.InvariantCulture),
            "peer", daemonKeys.PublicKey, "preshared-key", pskFile, "allowed-ips", $"{DaemonTunnel}/32",
            "endpoint", new IPEndPoint(veth.A.V4, DaemonPort).ToString());
        return (daemonKeys, referenceKeys, psk);
    }

    private static void AssertNoSecrets(TunnelRun run)
    {
        foreach (var (what, base64) in new[] { ("private key", run.PrivateKey), ("preshared key", run.PresharedKey) })
        {
            var hex = Convert.ToHexStringLower(Convert.FromBase64String(base64));
            var line = run.Log.Split('\n').FirstOrDefault(l =>
                l.Contains(base64, StringComparison.Ordinal) || l.Contains(hex, StringComparison.OrdinalIgnoreCase));
            Assert.True(line is null, $"the log shows the {what}: {line}");
        }
    }

    [GeneratedRegex("socket.*in use|in use.*socket", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex SocketInUse();

    [GeneratedRegex("already|in use", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex NameTaken();

    private sealed record TunnelRun(string Log, string PrivateKey, string PresharedKey);
}
