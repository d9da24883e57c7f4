// The daemon gives up root once its interface, sockets and netlink are set up: /proc/<pid>/status shows an
// unprivileged user, no groups, CAP_NET_ADMIN alone on the main thread, no capability on any other thread and
// no_new_privs everywhere; and what still needs CAP_NET_ADMIN keeps working: `wg set` port and fwmark changes (the
// kernel's socket mark checked), when-up routes, and at SIGTERM the removal of its routes and of its socket. The
// daemon `wgsharp up` starts drops too: it reads its plan and writes its own directory, the tunnel works through the
// split routes, and `down` after `kill -9` of it restores the routing state; an unknown `User =` changes nothing.
using System.Globalization;
using WgSharp.Cli.Host;
using WgSharp.Interop.Tests.Harness;
using WgSharp.Interop.Tests.Quick;

namespace WgSharp.Interop.Tests.Daemon;

public sealed class PrivilegeDropTests
{
    private const string NetAdminOnly = "0000000000001000";
    private const uint WhenUpTable = 4242;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [Fact(Timeout = 240_000)]
    public async Task TheDaemonDropsRootAndPortMarkAndWhenUpRoutesStillWork()
    {
        using var pair = await TunnelPair.CreateAsync(Implementation.WgSharpFromRepository(), Implementation.WireguardGo);
        TunnelSide side = pair.A;
        int pid = side.Peer.Pid;

        Dictionary<string, string> status = Status($"/proc/{pid}/status");
        Assert.Equal("wgsharp", status["Name"]);
        Assert.All(status["Uid"].Split('\t'), id => Assert.NotEqual("0", id));
        Assert.All(status["Gid"].Split('\t'), id => Assert.NotEqual("0", id));
        Assert.Equal("", status["Groups"]);
        Assert.Equal(NetAdminOnly, status["CapEff"]);
        Assert.Equal(NetAdminOnly, status["CapPrm"]);
        Assert.Equal("0000000000000000", status["CapInh"]);
        Assert.Equal("1", status["NoNewPrivs"]);
        foreach (string task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            Dictionary<string, string> thread = Status(Path.Combine(task, "status"));
            Assert.Equal("1", thread["NoNewPrivs"]);
            Assert.Equal(Path.GetFileName(task) == pid.ToString(CultureInfo.InvariantCulture) ? NetAdminOnly : "0000000000000000", thread["CapEff"]);
        }

        await pair.ExpectPingAsync(side, pair.B, v6: false);

        // A port change rebinds (the other side follows the roaming endpoint).
        await side.Peer.SetAsync("listen-port", "51830");
        Assert.Equal("51830", (await side.Namespace.ExecCheckedAsync(["wg", "show", side.Peer.InterfaceName, "listen-port"])).StandardOutput.Trim());
        await pair.ExpectPingAsync(side, pair.B, v6: false);

        // SO_MARK is set on the daemon's sockets for real (ss shows the kernel's socket mark), and cleared again.
        await side.Peer.SetAsync("fwmark", "0x4343");
        Assert.Equal("0x4343", (await side.Namespace.ExecCheckedAsync(["wg", "show", side.Peer.InterfaceName, "fwmark"])).StandardOutput.Trim());
        string sockets = (await side.Namespace.ExecCheckedAsync(["ss", "-uanpe", "sport", "= :51830"])).StandardOutput;
        Assert.Equal(2, sockets.Split("fwmark:0x4343").Length - 1); // IPv4 and IPv6
        await side.Peer.SetAsync("fwmark", "0");
        Assert.DoesNotContain("fwmark:", (await side.Namespace.ExecCheckedAsync(["ss", "-uanpe", "sport", "= :51830"])).StandardOutput);
        await pair.ExpectPingAsync(side, pair.B, v6: false);

        // When-up routes: the keeper adds the live peer's AllowedIPs route on the privileged thread.
        string reply = await UapiRawRequest.SendAsync(side.Peer.SocketPath,
            $"wgsharp-set=1\nversion=1\nwhen_up_table={WhenUpTable}\npublic_key={UapiRawRequest.Hex(pair.B.Keys.PublicKey)}\nroutes=when-up\n\n", Limit);
        Assert.EndsWith("errno=0\n\n", reply);
        string expected = $"{pair.B.TunnelV4} dev {side.Peer.InterfaceName} proto static scope link metric 10";
        string routes = "";
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); DateTime.UtcNow < deadline && !routes.Contains(expected, StringComparison.Ordinal);)
        {
            await pair.PingAsync(side, pair.B, v6: false, count: 1, deadline: TimeSpan.FromSeconds(2));
            routes = (await side.Namespace.ExecAsync(["ip", "-4", "route", "show", "table", $"{WhenUpTable}"])).StandardOutput; // none: no table yet
        }

        Assert.Contains(expected, routes);

        // SIGTERM: the routes go (privileged thread) and the socket goes (the root helper, once the daemon ends).
        side.Peer.SendTerminate();
        Assert.True(await side.Peer.WaitForExitAsync(TimeSpan.FromSeconds(10)), side.Peer.Describe());
        Assert.Equal("", (await side.Namespace.ExecAsync(["ip", "-4", "route", "show", "table", $"{WhenUpTable}"])).StandardOutput.Trim());
        Assert.False(File.Exists(side.Peer.SocketPath), $"{side.Peer.SocketPath} left behind");
    }

    [Fact(Timeout = 240_000)]
    public async Task TheDaemonUpStartsDropsRootAndDownAfterKill9StillRestoresRouting()
    {
        using var topology = await QuickTopology.CreateAsync();
        var before = await RoutingSnapshot.TakeAsync(topology.Client);

        // An unknown user: refused with the file's line, nothing changed.
        var unknown = topology.NewInterface("0.0.0.0/0", "User = no-such-wgsharp-user");
        ProcessResult refused = await unknown.UpAsync();
        Assert.False(refused.Succeeded, refused.Describe());
        Assert.Contains($"{unknown.ConfigPath}:4: User: no such user 'no-such-wgsharp-user'", refused.StandardError);
        Assert.False(File.Exists(unknown.StatePath));
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(topology.Client)).Text);

        var wg = topology.NewInterface("0.0.0.0/0", "User = nobody");
        ProcessResult up = await wg.ExpectUpAsync(["--split-routes"]);
        Assert.Contains("running as user nobody (uid 65534, gid 65534) keeping CAP_NET_ADMIN on one thread", up.StandardError);
        QuickState state = wg.ReadState()!;
        Assert.Equal((65534u, 65534u), (state.DaemonUser!.Uid, state.DaemonUser.Gid));

        Dictionary<string, string> status = Status($"/proc/{state.Daemon!.Pid}/status");
        Assert.All(status["Uid"].Split('\t'), id => Assert.Equal("65534", id));
        Assert.All(status["Gid"].Split('\t'), id => Assert.Equal("65534", id));
        Assert.Equal(NetAdminOnly, status["CapEff"]);
        Assert.Equal("1", status["NoNewPrivs"]);

        // What it may read and write: the plan (root's, its group's to read) and its own directory.
        Assert.Equal(QuickStateStore.DirectoryMode, File.GetUnixFileMode(QuickInterface.Store.Directory));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(wg.StatePath));
        Assert.Equal(QuickStateStore.PlanMode, File.GetUnixFileMode(QuickInterface.Store.PlanPathFor(wg.Name)));
        Assert.Equal("0:65534 65534:65534", (await topology.Client.ExecCheckedAsync(["stat", "-c", "%u:%g",
            QuickInterface.Store.PlanPathFor(wg.Name), QuickInterface.Store.DaemonDirectoryFor(wg.Name)])).StandardOutput.ReplaceLineEndings(" ").Trim());

        // The tunnel works through the split routes, the endpoint kept outside them.
        var ping = await Traffic.PingAsync(topology.Client, QuickTopology.InternetV4, count: 2, deadline: TimeSpan.FromSeconds(10));
        Assert.True(ping.Succeeded, ping.ToString());

        Assert.Equal(0, Libc.Kill(state.Daemon.Pid, Libc.SIGKILL));
        for (var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10); await wg.LinkExistsAsync() && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(50);
        }

        await wg.ExpectDownAsync(wg.Name);
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(topology.Client)).Text);
        Assert.False(File.Exists(QuickInterface.Store.PlanPathFor(wg.Name)));
        Assert.False(Directory.Exists(QuickInterface.Store.DaemonDirectoryFor(wg.Name)));
    }

    private static Dictionary<string, string> Status(string path) =>
        File.ReadAllLines(path).Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1].Trim());
}
