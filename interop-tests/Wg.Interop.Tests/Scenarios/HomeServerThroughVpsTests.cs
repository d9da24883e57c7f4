// S3 (SCENARIOS.md), the home-server side: its outbound SMTP (tcp dport 25) leaves through the VPS while
// other ports take the ISP's way; connections that arrive through the tunnel are answered through it
// (reply routing by source address); a container behind a 1500-MTU link gets its SYNs' MSS clamped to the
// tunnel MTU (1420: 1380 for IPv4, 1360 for IPv6) so large transfers work although the home server sends
// no ICMP "fragmentation needed" / "packet too big" back to it. IPv4 and IPv6.
//
//   container 172.20.0.10 ─ 1500 ─ home (wgsharp 10.7.0.2, fd07::2) ── wan ──┬─ vps 192.0.2.2 (wireguard-go)
//                                   198.51.100.2                        .1  └─ far 203.0.113.10 (echo :25, :80)
// The wan router routes the tunnel and container subnets to the VPS and, as an ISP's ingress filter does,
// refuses packets from those subnets arriving from the home server's line: a reply that leaves the wrong
// way is lost.
using WgSharp.Interop.Tests.Harness;
using WgSharp.Interop.Tests.Quick;
using Xunit.Abstractions;
using static WgSharp.Interop.Tests.Scenarios.ScenarioNetwork;

namespace WgSharp.Interop.Tests.Scenarios;

public sealed class HomeServerThroughVpsTests(ITestOutputHelper output)
{
    private const int Timeout = 300_000;

    private static readonly System.Net.IPAddress Far = Ip("203.0.113.10");
    private static readonly System.Net.IPAddress FarV6 = Ip("fd13::10");
    private static readonly System.Net.IPAddress Home = Ip("10.7.0.2");
    private static readonly System.Net.IPAddress HomeV6 = Ip("fd07::2");
    private static readonly System.Net.IPAddress Container = Ip("172.20.0.10");
    private static readonly System.Net.IPAddress ContainerV6 = Ip("fd20::10");

    private sealed record Topology(
        NetworkNamespace Home,
        NetworkNamespace FarHost,
        NetworkNamespace ContainerHost,
        VethPair ContainerLink,
        VethPair FarLink,
        QuickInterface Wg);

    [Fact(Timeout = Timeout)]
    public async Task SmtpLeavesThroughTheVpsOtherPortsTheIspAndTunnelConnectionsAreAnsweredThroughTheTunnel()
    {
        using var network = new ScenarioNetwork();
        var t = await BuildAsync(network);
        using var far25 = await AddressEchoServer.StartAsync(t.FarHost, Far, 25, "far");
        using var far80 = await AddressEchoServer.StartAsync(t.FarHost, Far, 80, "far");
        using var far25v6 = await AddressEchoServer.StartAsync(t.FarHost, FarV6, 25, "far");
        using var far80v6 = await AddressEchoServer.StartAsync(t.FarHost, FarV6, 80, "far");

        var smtp = await AddressEchoServer.AskUntilAnsweredAsync(t.Home, Far, 25, TimeSpan.FromSeconds(20));
        Assert.True(smtp == $"far {Home}", $"home's port-25 connection arrived as '{smtp}', expected through the VPS from {Home}\n{await DiagnoseAsync(t)}");
        Assert.Equal($"far {HomeV6}", await AddressEchoServer.AskUntilAnsweredAsync(t.Home, FarV6, 25, TimeSpan.FromSeconds(10)));
        Assert.Equal("far 198.51.100.2", await AddressEchoServer.AskAsync(t.Home, Far, 80));
        Assert.Equal("far fd51::2", await AddressEchoServer.AskAsync(t.Home, FarV6, 80));

        // A client on the internet reaches the home server's tunnel address through the VPS; the answer must go
        // back through the tunnel (the wan drops it from the home line), with the client's address preserved.
        using var homeEcho = await AddressEchoServer.StartAsync(t.Home, Home, 8080, "home");
        using var homeEchoV6 = await AddressEchoServer.StartAsync(t.Home, HomeV6, 8080, "home");
        Assert.Equal($"home {Far}", await AddressEchoServer.AskUntilAnsweredAsync(t.FarHost, Home, 8080, TimeSpan.FromSeconds(10)));
        Assert.Equal($"home {FarV6}", await AddressEchoServer.AskUntilAnsweredAsync(t.FarHost, HomeV6, 8080, TimeSpan.FromSeconds(10)));

        await NetfilterState.AssertNoKernelFirewallOrNatAsync(t.Home);
        await t.Wg.ExpectDownAsync();
    }

    [Fact(Timeout = Timeout)]
    public async Task AContainerBehindA1500MtuLinkGetsItsMssClampedAndLargeTransfersWorkWithoutIcmp()
    {
        using var network = new ScenarioNetwork();
        var t = await BuildAsync(network);

        // The home server answers no oversized packet with ICMP: IPv4 "fragmentation needed" (never rate
        // limited by Linux) is routed into a blackhole by a rule for locally generated ICMP to the container's
        // subnet; IPv6 "packet too big" is rate-limited to nothing. Shown on a path into the tunnel that the
        // rules do not steer (a host route), for a 1500-byte packet with DF.
        await t.Home.ExecCheckedAsync(["ip", "-4", "rule", "add", "pref", "10", "iif", "lo", "ipproto", "icmp", "to", "172.20.0.0/24", "blackhole"]);
        await t.Home.ExecCheckedAsync(["sysctl", "-qw", "net.ipv6.icmp.ratemask=0-255", "net.ipv6.icmp.ratelimit=2147483"]);
        await RouteAsync(t.Home, "203.0.113.99/32", "dev", t.Wg.Name);
        await t.Home.ExecCheckedAsync(["ip", "-6", "route", "add", "fd13::99/128", "dev", t.Wg.Name]);
        var big = await t.ContainerHost.ExecAsync(["ping", "-4", "-n", "-c", "1", "-W", "2", "-M", "do", "-s", "1472", "203.0.113.99"], TimeSpan.FromSeconds(10));
        // ping exits 1 when no reply came; anything else (2: it could not send) would make the check below vacuous.
        Assert.True(big.ExitCode == 1, big.Describe());
        Assert.DoesNotContain("Frag needed", big.StandardOutput);
        var bigV6 = await t.ContainerHost.ExecAsync(["ping", "-6", "-n", "-c", "1", "-W", "2", "-M", "do", "-s", "1452", "fd13::99"], TimeSpan.FromSeconds(10));
        Assert.True(bigV6.ExitCode == 1, bigV6.Describe());
        Assert.DoesNotContain("too big", bigV6.StandardOutput);

        // The SYN crosses the tunnel (port 25 is steered to the VPS): the far side sees MSS 1380 / 1360, and the
        // container sees the far side's SYN-ACK clamped the same way.
        using (var farCapture = await PacketCapture.StartAsync(t.FarHost, t.FarLink.B.Name, "tcp port 25 and tcp[tcpflags] & tcp-syn != 0"))
        using (var farCaptureV6 = await PacketCapture.StartAsync(t.FarHost, t.FarLink.B.Name, "ip6 and tcp port 25"))
        using (var containerCapture = await PacketCapture.StartAsync(t.ContainerHost, t.ContainerLink.B.Name, "tcp port 25"))
        using (var far25 = await AddressEchoServer.StartAsync(t.FarHost, Far, 25, "far"))
        using (var far25v6 = await AddressEchoServer.StartAsync(t.FarHost, FarV6, 25, "far"))
        {
            var v4 = await AddressEchoServer.AskUntilAnsweredAsync(t.ContainerHost, Far, 25, TimeSpan.FromSeconds(20));
            Assert.True(v4 == $"far {Container}", $"the container's port-25 connection arrived as '{v4}'\n{await DiagnoseAsync(t)}");
            Assert.Equal($"far {ContainerV6}", await AddressEchoServer.AskUntilAnsweredAsync(t.ContainerHost, FarV6, 25, TimeSpan.FromSeconds(10)));

            farCapture.Stop();
            farCaptureV6.Stop();
            containerCapture.Stop();
            await ExpectMssAsync(farCapture, $"src host {Container}", 1380);
            await ExpectMssAsync(farCaptureV6, $"src host {ContainerV6} and ip6[53] & 2 != 0", 1360);
            await ExpectMssAsync(containerCapture, $"src host {Far} and tcp[tcpflags] & tcp-syn != 0", 1380);
            await ExpectMssAsync(containerCapture, $"src host {FarV6} and ip6[53] & 2 != 0", 1360);
        }

        // 4 MiB from the container through the tunnel, each way of IPv4 and IPv6: full-sized segments fit.
        var (file, sha) = Traffic.CreateRandomFile(4 << 20);
        foreach (var address in new[] { Far, FarV6 })
        {
            var sent = await Traffic.TcpTransferAsync(t.ContainerHost, t.FarHost, address, 25, file, TimeSpan.FromSeconds(60));
            Assert.Equal(4L << 20, sent.BytesReceived);
            Assert.Equal(sha, sent.ReceivedSha256);
        }

        await t.Wg.ExpectDownAsync();
    }

    // Every SYN (or SYN-ACK) the capture holds that matches the filter carries MSS <paramref name="expected"/>.
    private async Task ExpectMssAsync(PacketCapture capture, string filter, int expected)
    {
        var packets = await capture.ReadAsync(filter);
        var all = await capture.ReadAsync();
        output.WriteLine($"{capture} | {filter}:\n{string.Join('\n', packets)}");
        var values = PacketCapture.MssValues(packets);
        Assert.True(values.Count > 0 && values.All(v => v == expected),
            $"{capture}, {filter}: MSS {string.Join(", ", values)}, expected {expected}; {capture.Diagnose()}; all packets:\n{string.Join('\n', all.Take(20))}");
    }

    private static string HomeConfig(KeyPair home, KeyPair vps) => $"""
        [Interface]
        PrivateKey = {home.PrivateKey}
        Address = {Home}/32, {HomeV6}/128
        MTU = 1420
        Table = off
        MssClamp = auto

        [Peer]
        Name = vps
        PublicKey = {vps.PublicKey}
        Endpoint = 192.0.2.2:{WireGuardPort}
        AllowedIPs = 0.0.0.0/0, ::/0
        PersistentKeepalive = 25

        # Outbound SMTP through the VPS: the ISP blocks port 25.
        [Rule]
        Protocol = tcp
        Port = 25
        Peer = vps
        """;

    private static async Task<string> DiagnoseAsync(Topology t)
    {
        var text = new System.Text.StringBuilder();
        foreach (string[] command in (string[][])[["ip", "-4", "rule"], ["ip", "-6", "rule"], ["ip", "route", "show", "table", "all"], [RepositoryRoot.WgSharpLauncher, "show", t.Wg.Name]])
        {
            var result = await t.Home.ExecAsync(command);
            text.Append("$ ").AppendJoin(' ', command).Append('\n').Append(result.StandardOutput).Append(result.StandardError);
        }

        return text.ToString();
    }

    private async Task<Topology> BuildAsync(ScenarioNetwork network)
    {
        var home = await network.AddNamespaceAsync("home", forwarding: true);
        var wan = await network.AddNamespaceAsync("wan", forwarding: true);
        var vps = await network.AddNamespaceAsync("vps", forwarding: true);
        var far = await network.AddNamespaceAsync("far");
        var container = await network.AddNamespaceAsync("container");

        var uplink = await LinkAsync(home, "198.51.100.2/24", "fd51::2/64", wan, "198.51.100.1/24", "fd51::1/64");
        var vpsLink = await LinkAsync(wan, "192.0.2.1/24", "fd02::1/64", vps, "192.0.2.2/24", "fd02::2/64");
        var farLink = await LinkAsync(wan, "203.0.113.1/24", "fd13::1/64", far, "203.0.113.10/24", "fd13::10/64");
        var containerLink = await LinkAsync(home, "172.20.0.1/24", "fd20::1/64", container, "172.20.0.10/24", "fd20::10/64", mtu: 1500);
        await DefaultViaAsync(home, uplink.B);
        await DefaultViaAsync(vps, vpsLink.A);
        await DefaultViaAsync(far, farLink.A);
        await DefaultViaAsync(container, containerLink.A);
        foreach (var subnet in new[] { "10.7.0.0/24", "172.20.0.0/24" })
        {
            await RouteAsync(wan, subnet, "via", "192.0.2.2");
            await wan.ExecCheckedAsync(["ip", "-4", "rule", "add", "iif", uplink.B.Name, "from", subnet, "prohibit"]);
        }

        foreach (var subnet in new[] { "fd07::/64", "fd20::/64" })
        {
            await wan.ExecCheckedAsync(["ip", "-6", "route", "add", subnet, "via", "fd02::2"]);
            await wan.ExecCheckedAsync(["ip", "-6", "rule", "add", "iif", uplink.B.Name, "from", subnet, "prohibit"]);
        }

        var homeKeys = await WgKeys.GenerateKeyPairAsync();
        var vpsKeys = await WgKeys.GenerateKeyPairAsync();
        var vpsWg = await network.StartReferenceAsync(vps, $"""
            [Interface]
            PrivateKey = {vpsKeys.PrivateKey}
            ListenPort = {WireGuardPort}

            [Peer]
            PublicKey = {homeKeys.PublicKey}
            AllowedIPs = {Home}/32, {HomeV6}/128, 172.20.0.0/24, fd20::/64
            """, "10.7.0.1/24", "fd07::1/64");
        await RouteAsync(vps, "172.20.0.0/24", "dev", vpsWg.InterfaceName);
        await vps.ExecCheckedAsync(["ip", "-6", "route", "add", "fd20::/64", "dev", vpsWg.InterfaceName]);

        await network.AssertNoKernelFirewallOrNatAsync();
        var wg = network.NewInterface(home, _ => HomeConfig(homeKeys, vpsKeys));
        var up = await wg.ExpectUpAsync();
        output.WriteLine(up.StandardError);
        return new Topology(home, far, container, containerLink, farLink, wg);
    }
}
