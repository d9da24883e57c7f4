// S1 (SCENARIOS.md): a router with two LANs sends only `blue` to the internet through a commercial VPN
// provider, masqueraded to the interface address 10.5.0.2 (fd05::2 for IPv6), while `green`, the router
// itself and LAN-to-LAN traffic keep their ways; nothing from the provider can open a connection into
// `blue`; the tunnel's own UDP never enters the tunnel; no kernel firewall or NAT exists anywhere; `down`
// restores the routing; `syncconf` changes the rule of the running router.
//
//   blue 192.168.2.10 ─┐                      ┌─ provider 192.0.2.2 (wireguard-go, 10.5.0.1; forwards
//                      ├─ router ── wan ──────┤   only what comes from 10.5.0.2: AllowedIPs 10.5.0.2/32)
//  green 192.168.1.10 ─┘  198.51.100.2  .1    └─ internet 203.0.113.10 (echo server: prints the source)
//
// The wan router routes both LANs back to the router and 10.5.0.0/24 to the provider, so the source the
// internet host sees tells which way a connection went.
using WgSharp.Interop.Tests.Harness;
using WgSharp.Interop.Tests.Quick;
using Xunit.Abstractions;
using static WgSharp.Interop.Tests.Scenarios.ScenarioNetwork;

namespace WgSharp.Interop.Tests.Scenarios;

public sealed class ExitVpnForOneLanTests(ITestOutputHelper output)
{
    private const int Timeout = 300_000;
    private const int EchoPort = 8000;

    private static readonly System.Net.IPAddress Internet = Ip("203.0.113.10");
    private static readonly System.Net.IPAddress TunnelAddress = Ip("10.5.0.2");
    private static readonly System.Net.IPAddress Blue = Ip("192.168.2.10");
    private static readonly System.Net.IPAddress Green = Ip("192.168.1.10");
    private static readonly System.Net.IPAddress RouterWan = Ip("198.51.100.2");
    private static readonly System.Net.IPAddress InternetV6 = Ip("fd13::10");
    private static readonly System.Net.IPAddress TunnelAddressV6 = Ip("fd05::2");
    private static readonly System.Net.IPAddress BlueV6 = Ip("fd12::10");
    private static readonly System.Net.IPAddress GreenV6 = Ip("fd11::10");

    private sealed record Topology(
        ScenarioNetwork Network,
        NetworkNamespace Router,
        NetworkNamespace Wan,
        NetworkNamespace Provider,
        NetworkNamespace InternetHost,
        NetworkNamespace BlueHost,
        NetworkNamespace GreenHost,
        VethPair BlueLink,
        WireGuardPeer ProviderWg,
        KeyPair RouterKeys,
        KeyPair ProviderKeys);

    [Fact(Timeout = Timeout)]
    public async Task BlueLeavesThroughTheProviderMasqueradedAndEverythingElseKeepsItsWay()
    {
        using var network = new ScenarioNetwork();
        var t = await BuildAsync(network);
        using var internet = await AddressEchoServer.StartAsync(t.InternetHost, Internet, EchoPort, "internet");
        using var internetV6 = await AddressEchoServer.StartAsync(t.InternetHost, InternetV6, EchoPort, "internet");

        // Before the tunnel: everyone reaches the internet through the wan with its own address.
        Assert.Equal($"internet {Blue}", await AddressEchoServer.AskUntilAnsweredAsync(t.BlueHost, Internet, EchoPort, TimeSpan.FromSeconds(10)));
        var before = await RoutingSnapshot.TakeAsync(t.Router);

        var wg = network.NewInterface(t.Router, _ => RouterConfig(t));
        var up = await wg.ExpectUpAsync();
        output.WriteLine(up.StandardError);
        output.WriteLine((await t.Router.ExecAsync(["ip", "rule"])).StandardOutput);
        using var tunCapture = await PacketCapture.StartAsync(t.Router, wg.Name);

        // blue: through the tunnel, seen by the internet as the interface address.
        var blue = await AddressEchoServer.AskUntilAnsweredAsync(t.BlueHost, Internet, EchoPort, TimeSpan.FromSeconds(20));
        Assert.True(blue == $"internet {TunnelAddress}", $"blue's connection arrived as '{blue}', expected from {TunnelAddress}\n{await DiagnoseAsync(t, wg)}");
        var ping = await Traffic.PingAsync(t.BlueHost, Internet, count: 2);
        Assert.True(ping.Succeeded, $"blue's ping through the tunnel: {ping}");
        Assert.Equal($"internet {TunnelAddressV6}", await AddressEchoServer.AskUntilAnsweredAsync(t.BlueHost, InternetV6, EchoPort, TimeSpan.FromSeconds(10)));
        var pingV6 = await Traffic.PingAsync(t.BlueHost, InternetV6, count: 2);
        Assert.True(pingV6.Succeeded, $"blue's IPv6 ping through the tunnel: {pingV6}");

        // green and the router itself: the wan, with their own addresses.
        Assert.Equal($"internet {Green}", await AddressEchoServer.AskAsync(t.GreenHost, Internet, EchoPort));
        Assert.Equal($"internet {GreenV6}", await AddressEchoServer.AskAsync(t.GreenHost, InternetV6, EchoPort));
        Assert.Equal("internet fd51::2", await AddressEchoServer.AskAsync(t.Router, InternetV6, EchoPort));
        Assert.Equal($"internet {RouterWan}", await AddressEchoServer.AskAsync(t.Router, Internet, EchoPort));

        // A program on the router bound to the tunnel address (curl --interface) goes through the tunnel and
        // gets its replies (reply routing by source address).
        Assert.Equal($"internet {TunnelAddress}", await AddressEchoServer.AskAsync(t.Router, Internet, EchoPort, source: TunnelAddress));
        Assert.Equal($"internet {TunnelAddressV6}", await AddressEchoServer.AskAsync(t.Router, InternetV6, EchoPort, source: TunnelAddressV6));

        // blue <-> green and the router's own services: untouched, not masqueraded.
        using (var greenEcho = await AddressEchoServer.StartAsync(t.GreenHost, Green, 8001, "green"))
        using (var blueEcho = await AddressEchoServer.StartAsync(t.BlueHost, Blue, 8001, "blue"))
        using (var routerEcho = await AddressEchoServer.StartAsync(t.Router, Ip("192.168.2.1"), 53, "router"))
        {
            Assert.Equal($"green {Blue}", await AddressEchoServer.AskAsync(t.BlueHost, Green, 8001));
            Assert.Equal($"blue {Green}", await AddressEchoServer.AskAsync(t.GreenHost, Blue, 8001));
            var v6 = await Traffic.PingAsync(t.GreenHost, BlueV6, count: 1);
            Assert.True(v6.Succeeded, $"green -> blue over IPv6: {v6}");
            Assert.Equal($"router {Blue}", await AddressEchoServer.AskAsync(t.BlueHost, Ip("192.168.2.1"), 53));
        }

        // `wgsharp show`: the peer's name, the rule with its hits, blue's flow masqueraded to the tunnel address.
        var show = (await t.Router.ExecCheckedAsync([RepositoryRoot.WgSharpLauncher, "show", wg.Name])).StandardOutput;
        output.WriteLine(show);
        Assert.Contains($"peer: {t.ProviderKeys.PublicKey} (provider)", show);
        var ruleHits = System.Text.RegularExpressions.Regex.Match(show, @"line 14: [^\n]*192\.168\.2\.0/24[^\n]*provider[^\n]*\n\s+(\d+) packets");
        Assert.True(ruleHits.Success && long.Parse(ruleHits.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) > 0, $"no rule with hits in:\n{show}");
        Assert.Matches($@"tcp {Blue}:\d+ -> {Internet}:{EchoPort}, reply {Internet}:{EchoPort} -> {TunnelAddress}:\d+ \[snat\]", show);

        // The tunnel's own encrypted UDP never entered the TUN (no loop), while blue's traffic did.
        tunCapture.Stop();
        var looped = await tunCapture.ReadAsync($"udp port {WireGuardPort}");
        Assert.True(looped.Count == 0, "encrypted packets entered the tunnel:\n" + string.Join('\n', looped.Take(5)));
        Assert.NotEmpty(await tunCapture.ReadAsync($"host {Internet} and tcp port {EchoPort}"));

        await network.AssertNoKernelFirewallOrNatAsync();
        await wg.ExpectDownAsync();
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(t.Router)).Text);
    }

    [Fact(Timeout = Timeout)]
    public async Task TheProviderCannotOpenAConnectionIntoBlueEvenWithARouteToIt()
    {
        using var network = new ScenarioNetwork();
        var t = await BuildAsync(network);
        using var internet = await AddressEchoServer.StartAsync(t.InternetHost, Internet, EchoPort, "internet");
        using var blueEcho = await AddressEchoServer.StartAsync(t.BlueHost, Blue, 8002, "blue");
        var wg = network.NewInterface(t.Router, _ => RouterConfig(t));
        await wg.ExpectUpAsync();
        var blue = await AddressEchoServer.AskUntilAnsweredAsync(t.BlueHost, Internet, EchoPort, TimeSpan.FromSeconds(20));
        Assert.True(blue == $"internet {TunnelAddress}", $"blue's connection arrived as '{blue}'\n{await DiagnoseAsync(t, wg)}");

        // The provider routes blue's subnet into its tunnel (cryptokey routing would otherwise stop it there).
        await t.ProviderWg.SetAsync("peer", t.RouterKeys.PublicKey, "allowed-ips", "10.5.0.2/32,192.168.2.0/24");
        await RouteAsync(t.Provider, "192.168.2.0/24", "dev", t.ProviderWg.InterfaceName);
        using var blueCapture = await PacketCapture.StartAsync(t.BlueHost, t.BlueLink.B.Name, "host 10.5.0.1");

        Assert.Null(await AddressEchoServer.AskAsync(t.Provider, Blue, 8002, timeout: TimeSpan.FromSeconds(4)));
        var ping = await Traffic.PingAsync(t.Provider, Blue, count: 2, deadline: TimeSpan.FromSeconds(3));
        Assert.Equal(0, ping.Received);
        var reached = await blueCapture.StopAndReadAsync();
        Assert.True(reached.Count == 0, "packets the provider started reached blue:\n" + string.Join('\n', reached.Take(5)));

        // The router refused them (counted as drops), not the provider.
        var show = (await t.Router.ExecCheckedAsync([RepositoryRoot.WgSharpLauncher, "show", wg.Name])).StandardOutput;
        output.WriteLine(show);
        var drops = show.Contains("\ndrops:\n", StringComparison.Ordinal) ? show[show.IndexOf("\ndrops:\n", StringComparison.Ordinal)..] : "";
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(drops, @"^  \w+: [1-9]\d*$", System.Text.RegularExpressions.RegexOptions.Multiline),
            $"no drop counted by the router:\n{show}");
        // Replies still come back: blue's own connections keep working.
        Assert.Equal($"internet {TunnelAddress}", await AddressEchoServer.AskAsync(t.BlueHost, Internet, EchoPort));
        await wg.ExpectDownAsync();
    }

    [Fact(Timeout = Timeout)]
    public async Task SyncconfChangesTheRuleOfTheRunningRouterAndBack()
    {
        using var network = new ScenarioNetwork();
        var t = await BuildAsync(network);
        using var internet = await AddressEchoServer.StartAsync(t.InternetHost, Internet, EchoPort, "internet");
        var wg = network.NewInterface(t.Router, _ => RouterConfig(t));
        await wg.ExpectUpAsync();
        var blue = await AddressEchoServer.AskUntilAnsweredAsync(t.BlueHost, Internet, EchoPort, TimeSpan.FromSeconds(20));
        Assert.True(blue == $"internet {TunnelAddress}", $"blue's connection arrived as '{blue}'\n{await DiagnoseAsync(t, wg)}");

        // The operator puts a reject rule for blue in front of its route: blue is refused at once (ICMP administratively
        // prohibited, "Packet filtered"), green is untouched, the tunnel's session stays. (The route rule stays, so
        // blue's traffic is still steered into the tunnel; a file without it would steer blue nowhere, as `up` would.)
        var handshakeBefore = (await t.Router.ExecCheckedAsync(["wg", "show", wg.Name, "latest-handshakes"])).StandardOutput;
        var rejecting = TempFiles.WriteSecret("reject.conf", RouterConfig(t).Replace(
            "[Rule]\n", "[Rule]\nFrom = 192.168.2.0/24, fd12::/64\nAction = reject\n\n[Rule]\n", StringComparison.Ordinal));
        await t.Router.ExecCheckedAsync([RepositoryRoot.WgSharpLauncher, "syncconf", wg.Name, rejecting], QuickInterface.CommandTimeout);
        var ping = await t.BlueHost.ExecAsync(["ping", "-4", "-n", "-c", "1", "-W", "2", Internet.ToString()], TimeSpan.FromSeconds(10));
        Assert.Contains("Packet filtered", ping.StandardOutput);
        Assert.Contains(" 0 received", ping.StandardOutput);
        Assert.Null(await AddressEchoServer.AskAsync(t.BlueHost, Internet, EchoPort, timeout: TimeSpan.FromSeconds(3)));
        Assert.Equal($"internet {Green}", await AddressEchoServer.AskAsync(t.GreenHost, Internet, EchoPort));
        Assert.Equal(handshakeBefore, (await t.Router.ExecCheckedAsync(["wg", "show", wg.Name, "latest-handshakes"])).StandardOutput);

        // And back: the original file again.
        await t.Router.ExecCheckedAsync([RepositoryRoot.WgSharpLauncher, "syncconf", wg.Name, wg.ConfigPath], QuickInterface.CommandTimeout);
        Assert.Equal($"internet {TunnelAddress}", await AddressEchoServer.AskAsync(t.BlueHost, Internet, EchoPort));
        await wg.ExpectDownAsync();
    }

    private static string RouterConfig(Topology t) => $"""
        [Interface]
        PrivateKey = {t.RouterKeys.PrivateKey}
        Address = {TunnelAddress}/32, {TunnelAddressV6}/128
        Table = off

        [Peer]
        Name = provider
        PublicKey = {t.ProviderKeys.PublicKey}
        Endpoint = 192.0.2.2:{WireGuardPort}
        AllowedIPs = 0.0.0.0/0, ::/0
        Inbound = established
        PersistentKeepalive = 25

        [Rule]
        From = 192.168.2.0/24, fd12::/64
        Peer = provider
        Masquerade = yes
        """;

    private static async Task<string> DiagnoseAsync(Topology t, QuickInterface wg)
    {
        var text = new System.Text.StringBuilder();
        foreach (string[] command in (string[][])[["ip", "rule"], ["ip", "route", "show", "table", "all"], ["wg", "show", wg.Name]])
        {
            var result = await t.Router.ExecAsync(command);
            text.Append("$ ").AppendJoin(' ', command).Append('\n').Append(result.StandardOutput).Append(result.StandardError);
        }

        var show = await t.Router.ExecAsync([RepositoryRoot.WgSharpLauncher, "show", wg.Name]);
        text.Append("$ wgsharp show\n").Append(show.StandardOutput).Append(show.StandardError);
        text.Append("$ wg show (provider)\n").Append((await t.Provider.ExecAsync(["wg", "show", t.ProviderWg.InterfaceName])).StandardOutput);
        return text.ToString();
    }

    private static async Task<Topology> BuildAsync(ScenarioNetwork network)
    {
        var router = await network.AddNamespaceAsync("router", forwarding: true);
        var wan = await network.AddNamespaceAsync("wan", forwarding: true);
        var provider = await network.AddNamespaceAsync("provider", forwarding: true);
        var internet = await network.AddNamespaceAsync("internet");
        var blue = await network.AddNamespaceAsync("blue");
        var green = await network.AddNamespaceAsync("green");

        var uplink = await LinkAsync(router, "198.51.100.2/24", "fd51::2/64", wan, "198.51.100.1/24", "fd51::1/64");
        var providerLink = await LinkAsync(wan, "192.0.2.1/24", "fd02::1/64", provider, "192.0.2.2/24", "fd02::2/64");
        var internetLink = await LinkAsync(wan, "203.0.113.1/24", "fd13::1/64", internet, "203.0.113.10/24", "fd13::10/64");
        var blueLink = await LinkAsync(router, "192.168.2.1/24", "fd12::1/64", blue, "192.168.2.10/24", "fd12::10/64");
        var greenLink = await LinkAsync(router, "192.168.1.1/24", "fd11::1/64", green, "192.168.1.10/24", "fd11::10/64");
        await DefaultViaAsync(router, uplink.B);
        await DefaultViaAsync(provider, providerLink.A);
        await DefaultViaAsync(internet, internetLink.A);
        await DefaultViaAsync(blue, blueLink.A);
        await DefaultViaAsync(green, greenLink.A);
        await RouteAsync(wan, "192.168.1.0/24", "via", "198.51.100.2");
        await RouteAsync(wan, "192.168.2.0/24", "via", "198.51.100.2");
        await RouteAsync(wan, "10.5.0.0/24", "via", "192.0.2.2");
        await wan.ExecCheckedAsync(["ip", "-6", "route", "add", "fd11::/64", "via", "fd51::2"]);
        await wan.ExecCheckedAsync(["ip", "-6", "route", "add", "fd12::/64", "via", "fd51::2"]);
        await wan.ExecCheckedAsync(["ip", "-6", "route", "add", "fd05::/64", "via", "fd02::2"]);

        var routerKeys = await WgKeys.GenerateKeyPairAsync();
        var providerKeys = await WgKeys.GenerateKeyPairAsync();
        // The provider forwards only what comes from 10.5.0.2: cryptokey routing drops other sources.
        var providerWg = await network.StartReferenceAsync(provider, $"""
            [Interface]
            PrivateKey = {providerKeys.PrivateKey}
            ListenPort = {WireGuardPort}

            [Peer]
            PublicKey = {routerKeys.PublicKey}
            AllowedIPs = 10.5.0.2/32, fd05::2/128
            """, "10.5.0.1/24", "fd05::1/64");
        await network.AssertNoKernelFirewallOrNatAsync();
        return new Topology(network, router, wan, provider, internet, blue, green, blueLink, providerWg, routerKeys, providerKeys);
    }
}
