// S4 (SCENARIOS.md): a router with two site peers that both offer 10.9.0.0/.. — site A the more specific
// /24 with `Routes = when-up`, site B the /16. Traffic to 10.9.0.10 goes to A while A has a live session,
// fails over to B when A's router stops, and comes back when it returns; a [Forward] publishes a LAN
// host's port 80 on the router's tunnel address, port 8080, with the client's address preserved.
//
//   site-a 192.0.2.2 (wireguard-go 10.3.0.2, hosts 10.9.0.10 "site-a") ─┐
//                                                                       ├─ router (wgsharp 10.3.0.1/24) ─ lan 192.168.4.10 (:80)
//   site-b 198.18.0.2 (wireguard-go 10.3.0.3, hosts 10.9.0.10 "site-b") ─┘
using WgSharp.Interop.Tests.Harness;
using WgSharp.Interop.Tests.Quick;
using Xunit.Abstractions;
using static WgSharp.Interop.Tests.Scenarios.ScenarioNetwork;

namespace WgSharp.Interop.Tests.Scenarios;

public sealed class SiteToSiteFailoverTests(ITestOutputHelper output)
{
    private const int Timeout = 400_000;
    private const int ServicePort = 7000;

    /// <summary>How long a fail-over or a return may take: the device notices a dead peer 15-20 s after its last
    /// message (WireGuardDevice.LiveSessionTimeout and its probe), a returning one within a handshake or two.</summary>
    private static readonly TimeSpan SwitchBound = TimeSpan.FromSeconds(45);

    private static readonly System.Net.IPAddress Service = Ip("10.9.0.10");
    private static readonly System.Net.IPAddress RouterTunnel = Ip("10.3.0.1");

    private sealed record Topology(
        ScenarioNetwork Network,
        NetworkNamespace Router,
        NetworkNamespace SiteA,
        NetworkNamespace SiteB,
        QuickInterface Wg,
        WireGuardPeer SiteBWg,
        string SiteAConfig,
        string RouterConfig)
    {
        public WireGuardPeer SiteAWg { get; set; } = null!;
    }

    [Fact(Timeout = Timeout)]
    public async Task TrafficFailsOverToTheOtherSiteWhileTheWhenUpPeerIsDownAndComesBack()
    {
        using var network = new ScenarioNetwork();
        var t = await BuildAsync(network);

        // Both sites up: once A has a live session (until then B serves, as when-up means), A's more specific
        // prefix wins.
        Assert.True(await WaitForAnswerAsync(t.Router, $"site-a {RouterTunnel}"), $"10.9.0.10 never answered as site A with both sites up\n{await DiagnoseAsync(t)}");

        // A's router stops: traffic goes to B within the bound. (What B's tunnel carries tells, on failure, whether
        // the router sent nothing to B or dropped B's answers.)
        using var atB = await PacketCapture.StartAsync(t.SiteB, t.SiteBWg.InterfaceName, $"tcp port {ServicePort}");
        network.Stop(t.SiteAWg);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var failedOver = await WaitForAnswerAsync(t.Router, $"site-b {RouterTunnel}");
        output.WriteLine($"fail-over to site B after {clock.Elapsed.TotalSeconds:F1} s");
        var bSaw = await atB.StopAndReadAsync();
        Assert.True(failedOver,
            $"no fail-over to site B within {SwitchBound.TotalSeconds} s; site B's tunnel carried:\n{string.Join('\n', bSaw.Take(6))}\n{await DiagnoseAsync(t)}");

        // A returns (same key, same address): traffic comes back to it.
        t.SiteAWg = await network.StartReferenceAsync(t.SiteA, t.SiteAConfig, "10.3.0.2/24");
        clock.Restart();
        var back = await WaitForAnswerAsync(t.Router, $"site-a {RouterTunnel}");
        output.WriteLine($"back to site A after {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(back, $"traffic did not return to site A within {SwitchBound.TotalSeconds} s\n{await DiagnoseAsync(t)}");

        await network.AssertNoKernelFirewallOrNatAsync();
        await t.Wg.ExpectDownAsync();
    }

    [Fact(Timeout = Timeout)]
    public async Task TheWhenUpPeersKernelRouteExistsExactlyWhileItIsLive()
    {
        using var network = new ScenarioNetwork();
        var t = await BuildAsync(network);
        Assert.True(await WaitForAnswerAsync(t.Router, $"site-a {RouterTunnel}"), $"10.9.0.10 never answered as site A with both sites up\n{await DiagnoseAsync(t)}");
        await ExpectWhenUpRouteAsync(t, present: true, TimeSpan.FromSeconds(10));

        network.Stop(t.SiteAWg);
        await ExpectWhenUpRouteAsync(t, present: false, SwitchBound);

        t.SiteAWg = await network.StartReferenceAsync(t.SiteA, t.SiteAConfig, "10.3.0.2/24");
        await ExpectWhenUpRouteAsync(t, present: true, SwitchBound);
        await t.Wg.ExpectDownAsync();
    }

    [Fact(Timeout = Timeout)]
    public async Task APeerMadeWhenUpWhileLiveGetsItsKernelRoute()
    {
        using var network = new ScenarioNetwork();
        var t = await BuildAsync(network, siteAWhenUp: false);
        Assert.NotNull(await AddressEchoServer.AskUntilAnsweredAsync(t.SiteA, RouterTunnel, 8080, TimeSpan.FromSeconds(20)));

        // Site A has a live session; the operator gives it the /24 with Routes = when-up on the running router.
        var file = TempFiles.WriteSecret("when-up.conf", t.RouterConfig);
        await t.Router.ExecCheckedAsync([RepositoryRoot.WgSharpLauncher, "syncconf", t.Wg.Name, file], QuickInterface.CommandTimeout);
        Assert.Equal($"site-a {RouterTunnel}", await AddressEchoServer.AskUntilAnsweredAsync(t.Router, Service, ServicePort, TimeSpan.FromSeconds(10)));
        await ExpectWhenUpRouteAsync(t, present: true, TimeSpan.FromSeconds(25));
        await t.Wg.ExpectDownAsync();
    }

    [Fact(Timeout = Timeout)]
    public async Task AForwardPublishesALanHostsPortOnTheTunnelAddressWithTheClientsAddress()
    {
        using var network = new ScenarioNetwork();
        var t = await BuildAsync(network);

        // Site B's connection to the router's tunnel address :8080 reaches the LAN host's :80 from B's own
        // address, and the answer comes back.
        var forwarded = await AddressEchoServer.AskUntilAnsweredAsync(t.SiteB, RouterTunnel, 8080, TimeSpan.FromSeconds(20));
        Assert.True(forwarded == "lan 10.3.0.3", $"the forwarded connection answered '{forwarded}'\n{await DiagnoseAsync(t)}");
        Assert.Equal("lan 10.3.0.2", await AddressEchoServer.AskUntilAnsweredAsync(t.SiteA, RouterTunnel, 8080, TimeSpan.FromSeconds(10)));
        // Only the forwarded port: another port of the tunnel address is the router's own (nothing listens).
        Assert.Null(await AddressEchoServer.AskAsync(t.SiteB, RouterTunnel, 8081, timeout: TimeSpan.FromSeconds(2)));

        await network.AssertNoKernelFirewallOrNatAsync();
        await t.Wg.ExpectDownAsync();
    }

    /// <param name="siteAWhenUp">false: the router's file starts with site A as a plain peer of its tunnel address
    /// only (<see cref="Topology.RouterConfig"/> is still the when-up file, for syncconf).</param>
    private async Task<Topology> BuildAsync(ScenarioNetwork network, bool siteAWhenUp = true)
    {
        var router = await network.AddNamespaceAsync("router", forwarding: true);
        var siteA = await network.AddNamespaceAsync("site-a");
        var siteB = await network.AddNamespaceAsync("site-b");
        var lan = await network.AddNamespaceAsync("lan");
        await LinkAsync(router, "192.0.2.1/24", "fd02::1/64", siteA, "192.0.2.2/24", "fd02::2/64");
        await LinkAsync(router, "198.18.0.1/24", "fd18::1/64", siteB, "198.18.0.2/24", "fd18::2/64");
        var lanLink = await LinkAsync(router, "192.168.4.1/24", "fd44::1/64", lan, "192.168.4.10/24", "fd44::10/64");
        await DefaultViaAsync(lan, lanLink.A);

        var routerKeys = await WgKeys.GenerateKeyPairAsync();
        var aKeys = await WgKeys.GenerateKeyPairAsync();
        var bKeys = await WgKeys.GenerateKeyPairAsync();
        string SiteConfig(KeyPair keys) => $"""
            [Interface]
            PrivateKey = {keys.PrivateKey}
            ListenPort = {WireGuardPort}

            [Peer]
            PublicKey = {routerKeys.PublicKey}
            AllowedIPs = {RouterTunnel}/32
            """;
        foreach (var site in new[] { siteA, siteB })
        {
            await site.ExecCheckedAsync(["ip", "address", "add", $"{Service}/32", "dev", "lo"]);
        }

        var aWg = await network.StartReferenceAsync(siteA, SiteConfig(aKeys), "10.3.0.2/24");
        var bWg = await network.StartReferenceAsync(siteB, SiteConfig(bKeys), "10.3.0.3/24");
        network.Own(await AddressEchoServer.StartAsync(siteA, Service, ServicePort, "site-a"));
        network.Own(await AddressEchoServer.StartAsync(siteB, Service, ServicePort, "site-b"));
        network.Own(await AddressEchoServer.StartAsync(lan, Ip("192.168.4.10"), 80, "lan"));
        await network.AssertNoKernelFirewallOrNatAsync();

        // Both peers keep a session up (PersistentKeepalive), as a when-up peer needs to be noticed alive.
        string RouterConfig(bool whenUp) => $"""
            [Interface]
            PrivateKey = {routerKeys.PrivateKey}
            Address = {RouterTunnel}/24
            ListenPort = {WireGuardPort}

            [Peer]
            Name = site-a
            PublicKey = {aKeys.PublicKey}
            Endpoint = 192.0.2.2:{WireGuardPort}
            AllowedIPs = 10.3.0.2/32{(whenUp ? ", 10.9.0.0/24\nRoutes = when-up" : "")}
            PersistentKeepalive = 5

            [Peer]
            Name = site-b
            PublicKey = {bKeys.PublicKey}
            Endpoint = 198.18.0.2:{WireGuardPort}
            AllowedIPs = 10.3.0.3/32, 10.9.0.0/16
            PersistentKeepalive = 5

            [Forward]
            Protocol = tcp
            Port = 8080
            To = 192.168.4.10:80
            """;
        var wg = network.NewInterface(router, _ => RouterConfig(siteAWhenUp));
        var up = await wg.ExpectUpAsync();
        output.WriteLine(up.StandardError);
        return new Topology(network, router, siteA, siteB, wg, bWg, SiteConfig(aKeys), RouterConfig(true)) { SiteAWg = aWg };
    }

    // Asks every second until the expected site answers or the bound passes.
    private static async Task<bool> WaitForAnswerAsync(NetworkNamespace router, string expected)
    {
        var deadline = DateTime.UtcNow + SwitchBound;
        do
        {
            if (await AddressEchoServer.AskAsync(router, Service, ServicePort, timeout: TimeSpan.FromSeconds(1)) == expected)
            {
                return true;
            }

            await Task.Delay(1000);
        }
        while (DateTime.UtcNow < deadline);
        return false;
    }

    // A's kernel route (its AllowedIPs beyond the interface's own subnet) exists exactly while A is live; liveness is
    // decided on the daemon's timer thread, so the route follows the session by a tick (or by the dead-peer timeout).
    private static async Task ExpectWhenUpRouteAsync(Topology t, bool present, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        string routes;
        while ((routes = await RoutesAsync(t.Router, t.Wg)).Contains("10.9.0.0/24 ", StringComparison.Ordinal) != present && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
        }

        Assert.True(routes.Contains("10.9.0.0/24 ", StringComparison.Ordinal) == present,
            $"site A's route 10.9.0.0/24 should {(present ? "" : "not ")}be in the kernel:\n{routes}\n{await DiagnoseAsync(t)}");
    }

    // The kernel routes through the interface, every table.
    private static async Task<string> RoutesAsync(NetworkNamespace router, QuickInterface wg) =>
        (await router.ExecCheckedAsync(["ip", "-4", "route", "show", "table", "all", "dev", wg.Name])).StandardOutput;

    private static async Task<string> DiagnoseAsync(Topology t)
    {
        var (router, wg) = (t.Router, t.Wg);
        var text = new System.Text.StringBuilder();
        foreach (string[] command in (string[][])[["ip", "route", "show", "table", "all"], ["wg", "show", wg.Name], [RepositoryRoot.WgSharpLauncher, "show", wg.Name]])
        {
            var result = await router.ExecAsync(command);
            text.Append("$ ").AppendJoin(' ', command).Append('\n').Append(result.StandardOutput).Append(result.StandardError);
        }

        return text.ToString();
    }
}
