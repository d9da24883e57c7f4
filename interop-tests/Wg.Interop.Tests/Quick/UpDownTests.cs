// `wgsharp up`/`down` against a wireguard-go server, in namespaces: split and full tunnels (IPv4 and IPv6,
// through the server to a third namespace without NAT), the endpoint kept outside the tunnel, the tunnel
// address guarded, the split-route mode, and the routing state after `down` equal to the state before `up`
// — also after `kill -9` of the daemon and with two tunnels sharing the namespace's kernel state.
using System.Diagnostics;
using System.Net.Sockets;
using WgSharp.Cli.Host;
using WgSharp.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace WgSharp.Interop.Tests.Quick;

public sealed class UpDownTests(ITestOutputHelper output)
{
    private const int Timeout = 180_000;

    private static async Task ExpectPingAsync(NetworkNamespace from, System.Net.IPAddress to)
    {
        var ping = await Traffic.PingAsync(from, to, count: 2, deadline: TimeSpan.FromSeconds(10));
        Assert.True(ping.Succeeded, $"ping {to} from {from}: {ping}");
    }

    private static async Task<string> RulesAsync(NetworkNamespace ns) =>
        (await ns.ExecCheckedAsync(["ip", "-4", "rule"])).StandardOutput + (await ns.ExecCheckedAsync(["ip", "-6", "rule"])).StandardOutput;

    private static async Task<string> RouteGetAsync(NetworkNamespace ns, params string[] arguments) =>
        (await ns.ExecCheckedAsync(["ip", "route", "get", .. arguments])).StandardOutput;

    private static async Task ExpectRestoredAsync(QuickInterface wg, RoutingSnapshot before)
    {
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(wg.Namespace)).Text);
        Assert.False(File.Exists(wg.StatePath), $"{wg.StatePath} left behind");
        Assert.False(File.Exists(wg.SocketPath), $"{wg.SocketPath} left behind");
        Assert.False(await wg.LinkExistsAsync(), $"{wg} still exists");
    }

    [Fact(Timeout = Timeout)]
    public async Task SplitTunnelRoutesTheTunnelSubnetsOnlyAndDownRestoresEverything()
    {
        using var topology = await QuickTopology.CreateAsync();
        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        var wg = topology.NewInterface("10.8.0.0/24, fd08::/64");

        var up = await wg.ExpectUpAsync();
        Assert.Contains($"[#] ip -4 address add 10.8.0.2/32 dev {wg.Name}", up.StandardError);
        Assert.Contains($"[#] ip link set mtu 1420 up dev {wg.Name}", up.StandardError);
        Assert.Contains($"[#] ip -4 route add 10.8.0.0/24 dev {wg.Name}", up.StandardError);
        Assert.Contains($"[#] ip -6 route add fd08::/64 dev {wg.Name}", up.StandardError);
        Assert.DoesNotContain("rule add", up.StandardError);
        Assert.Equal(QuickPhase.Up, wg.ReadState()!.Phase);

        await ExpectPingAsync(topology.Client, QuickTopology.ServerTunnelV4);
        await ExpectPingAsync(topology.Client, QuickTopology.ServerTunnelV6);
        Assert.Contains($"dev {wg.Name}", await RouteGetAsync(topology.Client, "10.8.0.1"));
        Assert.Contains($"dev {topology.ClientLink.A.Name}", await RouteGetAsync(topology.Client, QuickTopology.InternetV4.ToString()));
        Assert.Equal(before.Text.Split("$ ip -4 route")[0], (await RoutingSnapshot.TakeAsync(topology.Client)).Text.Split("$ ip -4 route")[0]);

        var down = await wg.ExpectDownAsync();
        Assert.Contains("[#] kill -TERM", down.StandardError);
        await ExpectRestoredAsync(wg, before);
    }

    [Fact(Timeout = Timeout)]
    public async Task FullTunnelSendsEverythingThroughTheServerKeepsTheEndpointOutsideAndGuardsTheTunnelAddress()
    {
        using var topology = await QuickTopology.CreateAsync();
        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        var wg = topology.NewInterface("0.0.0.0/0, ::/0");

        var clock = Stopwatch.StartNew();
        var up = await wg.ExpectUpAsync();
        var upTime = clock.Elapsed;
        output.WriteLine(up.StandardError);
        Assert.Contains($"[#] wg set {wg.Name} fwmark 51820", up.StandardError);
        Assert.Contains($"[#] ip -4 route add 0.0.0.0/0 dev {wg.Name} table 51820", up.StandardError);
        Assert.Contains("[#] ip -4 rule add not fwmark 51820 table 51820", up.StandardError);
        Assert.Contains("[#] ip -4 rule add table main suppress_prefixlength 0", up.StandardError);
        Assert.Contains("[#] ip -6 rule add not fwmark 51820 table 51820", up.StandardError);
        Assert.Contains("[+] IPv4 default route: policy routing", up.StandardError);
        var state = wg.ReadState()!;
        Assert.True(state.Uses(AddressFamily.InterNetwork, DefaultRouteMode.PolicyRules));
        Assert.True(state.Uses(AddressFamily.InterNetworkV6, DefaultRouteMode.PolicyRules));

        // The internet host answers only packets that came through the tunnel (it routes only 10.8.0.0/24 and
        // fd08::/64 back, through the server), so these replies prove the way.
        await ExpectPingAsync(topology.Client, QuickTopology.InternetV4);
        await ExpectPingAsync(topology.Client, QuickTopology.InternetV6);
        Assert.Contains($"dev {wg.Name} table 51820", await RouteGetAsync(topology.Client, QuickTopology.InternetV4.ToString()));
        // The tunnel's own packets (marked) still reach the endpoint through the original gateway.
        Assert.Contains($"via {QuickTopology.ServerGateway} dev {topology.ClientLink.A.Name}",
            await RouteGetAsync(topology.Client, QuickTopology.ServerEndpoint.ToString(), "mark", "51820"));
        Assert.Contains("= 1", (await topology.Client.ExecCheckedAsync(["sysctl", "net.ipv4.conf.all.src_valid_mark"])).StandardOutput);

        // The tunnel address answers through the tunnel and to this host, but not on another interface.
        await ExpectPingAsync(topology.Server, QuickTopology.ClientTunnelV4());
        await ExpectPingAsync(topology.Client, QuickTopology.ClientTunnelV4());
        await topology.Server.ExecCheckedAsync(["ip", "route", "add", "10.8.0.2/32", "via", "192.0.2.1"]);
        var guarded = await Traffic.PingAsync(topology.Server, QuickTopology.ClientTunnelV4(), count: 1, deadline: TimeSpan.FromSeconds(2));
        Assert.Equal(0, guarded.Received);
        // Control: without the blackhole rule the same ping is answered, so the guard is what dropped it.
        await topology.Client.ExecCheckedAsync(["ip", "rule", "del", "pref", "0", "to", "10.8.0.2", "blackhole"]);
        await ExpectPingAsync(topology.Server, QuickTopology.ClientTunnelV4());
        await topology.Server.ExecCheckedAsync(["ip", "route", "del", "10.8.0.2/32", "via", "192.0.2.1"]);

        clock.Restart();
        var down = await wg.ExpectDownAsync();
        var downTime = clock.Elapsed;
        output.WriteLine(down.StandardError);
        await ExpectRestoredAsync(wg, before);
        output.WriteLine($"wgsharp up (full tunnel, v4+v6): {upTime.TotalMilliseconds:F0} ms; down: {downTime.TotalMilliseconds:F0} ms");
    }

    [Fact(Timeout = Timeout)]
    public async Task DownAfterKill9OfTheDaemonStillRestoresEverything()
    {
        using var topology = await QuickTopology.CreateAsync();
        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        var wg = topology.NewInterface("0.0.0.0/0, ::/0");
        await wg.ExpectUpAsync();
        await ExpectPingAsync(topology.Client, QuickTopology.InternetV4);

        var daemon = wg.ReadState()!.Daemon!;
        Assert.True(daemon.Pid > 0);
        Assert.Equal(0, Libc.Kill(daemon.Pid, Libc.SIGKILL));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((StaleResourceSweeper.IsAlive(daemon.Pid) || await wg.LinkExistsAsync()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.False(await wg.LinkExistsAsync(), "the TUN interface outlived its killed daemon");
        // What the kernel does not clean up by itself is still there: the rules.
        Assert.Contains("lookup 51820", await RulesAsync(topology.Client));

        var down = await wg.ExpectDownAsync(wg.Name);
        output.WriteLine(down.StandardError);
        await ExpectRestoredAsync(wg, before);
    }

    [Fact(Timeout = Timeout)]
    public async Task SplitRoutesModeUsesHalfRoutesAndAnEndpointHostRouteInsteadOfRules()
    {
        using var topology = await QuickTopology.CreateAsync();
        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        var rulesBefore = await RulesAsync(topology.Client);
        var wg = topology.NewInterface("0.0.0.0/0, ::/0");

        var up = await wg.ExpectUpAsync(["--split-routes"]);
        output.WriteLine(up.StandardError);
        Assert.Contains("[+] IPv4 default route: split routes 0.0.0.0/1 + 128.0.0.0/1", up.StandardError);
        Assert.Contains("[+] IPv6 default route: split routes ::/1 + 8000::/1", up.StandardError);
        Assert.Contains($"[#] ip -4 route add {QuickTopology.ServerEndpoint}/32 via {QuickTopology.ServerGateway} dev {topology.ClientLink.A.Name}", up.StandardError);
        Assert.Equal(rulesBefore, await RulesAsync(topology.Client));
        Assert.True(wg.ReadState()!.Uses(AddressFamily.InterNetwork, DefaultRouteMode.SplitRoutes));

        var routes = (await topology.Client.ExecCheckedAsync(["ip", "-4", "route"])).StandardOutput;
        Assert.Contains($"0.0.0.0/1 dev {wg.Name}", routes);
        Assert.Contains($"128.0.0.0/1 dev {wg.Name}", routes);
        Assert.Contains($"{QuickTopology.ServerEndpoint} via {QuickTopology.ServerGateway} dev {topology.ClientLink.A.Name}", routes);
        await ExpectPingAsync(topology.Client, QuickTopology.InternetV4);
        await ExpectPingAsync(topology.Client, QuickTopology.InternetV6);
        Assert.Contains($"dev {wg.Name}", await RouteGetAsync(topology.Client, QuickTopology.InternetV4.ToString()));

        await wg.ExpectDownAsync();
        await ExpectRestoredAsync(wg, before);
    }

    [Fact(Timeout = Timeout)]
    public async Task StrictReversePathFilteringMakesIPv4UseSplitRoutes()
    {
        using var topology = await QuickTopology.CreateAsync();
        await topology.Client.ExecCheckedAsync(["sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", $"net.ipv4.conf.{topology.ClientLink.A.Name}.rp_filter=1"]);
        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        var wg = topology.NewInterface("0.0.0.0/0, ::/0");

        // Under fwmark routing the reverse-path check would look the endpoint up in the tunnel's table and
        // drop the tunnel's own incoming packets (wg-quick avoids that with firewall connmark rules).
        var up = await wg.ExpectUpAsync();
        Assert.Contains($"[+] IPv4 default route: split routes 0.0.0.0/1 + 128.0.0.0/1 with host routes to the endpoints (rp_filter is strict on {topology.ClientLink.A.Name}", up.StandardError);
        Assert.Contains("[+] IPv6 default route: policy routing", up.StandardError); // IPv6 has no rp_filter
        await ExpectPingAsync(topology.Client, QuickTopology.InternetV4);
        await ExpectPingAsync(topology.Client, QuickTopology.InternetV6);

        await wg.ExpectDownAsync();
        await ExpectRestoredAsync(wg, before);
    }

    [Fact(Timeout = Timeout)]
    public async Task UpTwiceIsRefusedAndDownTwiceOrFromElsewhereIsHarmless()
    {
        using var topology = await QuickTopology.CreateAsync();
        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        var wg = topology.NewInterface("10.8.0.0/24");
        await wg.ExpectUpAsync();

        var again = await wg.UpAsync();
        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"`{wg.Name}' is already up", again.StandardError);
        await ExpectPingAsync(topology.Client, QuickTopology.ServerTunnelV4);

        // `down` from another namespace (here the test's own) refuses before touching anything there.
        var elsewhere = await ProcessRunner.RunAsync([RepositoryRoot.WgSharpLauncher, "down", wg.Name], QuickInterface.CommandTimeout);
        Assert.Equal(1, elsewhere.ExitCode);
        Assert.Contains("was brought up in another network namespace", elsewhere.StandardError);
        Assert.DoesNotContain("[#]", elsewhere.StandardError);
        Assert.True(File.Exists(wg.StatePath));

        await wg.ExpectDownAsync();
        var second = await wg.DownAsync();
        Assert.Equal(1, second.ExitCode); // as wg-quick: "is not a WireGuard interface", nothing changed
        Assert.Contains($"`{wg.Name}' is not a WireGuard interface", second.StandardError);
        await ExpectRestoredAsync(wg, before);
    }

    [Fact(Timeout = Timeout)]
    public async Task TwoFullTunnelsShareTheNamespacesKernelStateAndTheLastDownRestoresIt()
    {
        using var topology = await QuickTopology.CreateAsync(clients: 2);
        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        var first = topology.NewInterface("0.0.0.0/0", client: 0);
        var second = topology.NewInterface("0.0.0.0/0", client: 1);
        await first.ExpectUpAsync();
        var up = await second.ExpectUpAsync();
        Assert.Contains("[#] ip -4 rule add not fwmark 51821 table 51821", up.StandardError); // the next free table
        Assert.DoesNotContain("src_valid_mark", up.StandardError); // already 1, set by the first

        await first.ExpectDownAsync();
        var rules = (await topology.Client.ExecCheckedAsync(["ip", "-4", "rule"])).StandardOutput;
        Assert.Contains("lookup 51821", rules);
        Assert.DoesNotContain("lookup 51820", rules);
        // The second tunnel's guard still comes before the local rule, and the sysctl it relies on stays.
        var lines = rules.Split('\n');
        Assert.True(Array.FindIndex(lines, l => l.Contains("blackhole", StringComparison.Ordinal))
            < Array.FindIndex(lines, l => l.EndsWith("from all lookup local", StringComparison.Ordinal)), rules);
        Assert.Contains("= 1", (await topology.Client.ExecCheckedAsync(["sysctl", "net.ipv4.conf.all.src_valid_mark"])).StandardOutput);

        await second.ExpectDownAsync();
        await ExpectRestoredAsync(second, before);
    }
}
