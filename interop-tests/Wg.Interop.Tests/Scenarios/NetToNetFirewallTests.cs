// The IPFire WireGuard firewall translated into [Rule]s (its WGBLOCK: a net-to-net peer may reach its local
// subnet, everything else from it is refused; its WGNAT: traffic into the net-to-net tunnel is masqueraded).
// Rules decide flows: green and blue both reach site B (their replies are not judged by the reject rule for
// site B's new traffic), site B reaches green only and is refused elsewhere with ICMP administratively
// prohibited. No kernel firewall or NAT anywhere.
//
//   green 192.168.1.10 ─┐                                     ┌ site B: wireguard-go, 10.20.0.1/24,
//                       ├─ router (wgsharp, 10.20.0.2) ── wan ┤ echo server on 10.20.0.1
//    blue 192.168.2.10 ─┘        203.0.113.1              .2  └ routes 192.168.0.0/16 into its tunnel
using WgSharp.Interop.Tests.Harness;
using WgSharp.Interop.Tests.Quick;
using Xunit.Abstractions;
using static WgSharp.Interop.Tests.Scenarios.ScenarioNetwork;

namespace WgSharp.Interop.Tests.Scenarios;

public sealed class NetToNetFirewallTests(ITestOutputHelper output)
{
    private const int Timeout = 300_000;
    private const int EchoPort = 8000;

    private static readonly System.Net.IPAddress SiteB = Ip("10.20.0.1");
    private static readonly System.Net.IPAddress TunnelAddress = Ip("10.20.0.2");
    private static readonly System.Net.IPAddress Green = Ip("192.168.1.10");
    private static readonly System.Net.IPAddress Blue = Ip("192.168.2.10");

    [Fact(Timeout = Timeout)]
    public async Task GreenAndBlueReachSiteBWhichReachesGreenOnlyAndIsRefusedElsewhere()
    {
        using var network = new ScenarioNetwork();
        var router = await network.AddNamespaceAsync("router", forwarding: true);
        var siteB = await network.AddNamespaceAsync("siteb");
        var green = await network.AddNamespaceAsync("green");
        var blue = await network.AddNamespaceAsync("blue");
        await LinkAsync(router, "203.0.113.1/24", "fd13::1/64", siteB, "203.0.113.2/24", "fd13::2/64");
        var greenLink = await LinkAsync(router, "192.168.1.1/24", "fd11::1/64", green, "192.168.1.10/24", "fd11::10/64");
        var blueLink = await LinkAsync(router, "192.168.2.1/24", "fd12::1/64", blue, "192.168.2.10/24", "fd12::10/64");
        await DefaultViaAsync(green, greenLink.A);
        await DefaultViaAsync(blue, blueLink.A);

        var routerKeys = await WgKeys.GenerateKeyPairAsync();
        var siteBKeys = await WgKeys.GenerateKeyPairAsync();
        // Site B routes both LANs into its tunnel, so that it can try blue too.
        var siteBWg = await network.StartReferenceAsync(siteB, $"""
            [Interface]
            PrivateKey = {siteBKeys.PrivateKey}
            ListenPort = {WireGuardPort}

            [Peer]
            PublicKey = {routerKeys.PublicKey}
            AllowedIPs = 10.20.0.2/32, 192.168.0.0/16
            """, "10.20.0.1/24");
        await RouteAsync(siteB, "192.168.0.0/16", "dev", siteBWg.InterfaceName);
        await network.AssertNoKernelFirewallOrNatAsync();

        var wg = network.NewInterface(router, _ => $"""
            [Interface]
            PrivateKey = {routerKeys.PrivateKey}
            Address = {TunnelAddress}/32

            [Peer]
            Name = siteb
            PublicKey = {siteBKeys.PublicKey}
            Endpoint = 203.0.113.2:{WireGuardPort}
            AllowedIPs = 10.20.0.0/24
            PersistentKeepalive = 25

            [Rule]
            Input = siteb
            To = 192.168.1.0/24
            Action = accept

            [Rule]
            Input = siteb
            Action = reject

            [Rule]
            From = 192.168.0.0/16
            To = 10.20.0.0/24
            Peer = siteb
            Masquerade = yes
            """);
        output.WriteLine((await wg.ExpectUpAsync()).StandardError);

        using var siteBEcho = await AddressEchoServer.StartAsync(siteB, SiteB, EchoPort, "siteb");
        using var greenEcho = await AddressEchoServer.StartAsync(green, Green, EchoPort, "green");
        using var blueEcho = await AddressEchoServer.StartAsync(blue, Blue, EchoPort, "blue");

        // Green and blue reach site B, masqueraded to the tunnel address; their TCP replies pass.
        var fromGreen = await AddressEchoServer.AskUntilAnsweredAsync(green, SiteB, EchoPort, TimeSpan.FromSeconds(20));
        Assert.True(fromGreen == $"siteb {TunnelAddress}", $"green's connection: '{fromGreen}'\n{await ShowAsync(router, wg)}");
        var fromBlue = await AddressEchoServer.AskAsync(blue, SiteB, EchoPort);
        Assert.True(fromBlue == $"siteb {TunnelAddress}", $"blue's connection: '{fromBlue}'\n{await ShowAsync(router, wg)}");
        var ping = await Traffic.PingAsync(blue, SiteB, count: 2);
        Assert.True(ping.Succeeded, $"blue's ping to site B: {ping}");

        // Site B reaches green (not masqueraded: green sees site B's address).
        Assert.Equal($"green {SiteB}", await AddressEchoServer.AskAsync(siteB, Green, EchoPort));

        // Site B is refused at blue, with ICMP administratively prohibited ("Packet filtered").
        Assert.Null(await AddressEchoServer.AskAsync(siteB, Blue, EchoPort, timeout: TimeSpan.FromSeconds(3)));
        var refused = await siteB.ExecAsync(["ping", "-4", "-n", "-c", "1", "-W", "2", Blue.ToString()], TimeSpan.FromSeconds(10));
        Assert.Contains("Packet filtered", refused.StandardOutput);

        var show = await ShowAsync(router, wg);
        output.WriteLine(show);
        Assert.Matches(@"tcp 192\.168\.2\.10:\d+ -> 10\.20\.0\.1:8000, reply 10\.20\.0\.1:8000 -> 10\.20\.0\.2:\d+ \[snat\]", show);
        await network.AssertNoKernelFirewallOrNatAsync();
        await wg.ExpectDownAsync();
    }

    private static async Task<string> ShowAsync(NetworkNamespace router, QuickInterface wg) =>
        (await router.ExecAsync([RepositoryRoot.WgSharpLauncher, "show", wg.Name])).StandardOutput;
}
