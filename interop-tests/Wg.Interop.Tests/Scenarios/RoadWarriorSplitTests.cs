// S2 (SCENARIOS.md): a road-warrior server whose clients in the upper half of 10.4.0.0/24 reach the
// internet through an upstream VPN provider (another peer of the same interface), masqueraded to the
// server's tunnel address, while the lower half do not; client-to-client traffic and the server's own
// address stay local. The hub and the upstream hop run in userspace: ip_forward is 0 on the server.
//
//   low  10.4.0.10  (wireguard-go) ─ 172.16.1.0/24 ─┐
//                                                  ├─ server (wgsharp 10.4.0.1/24) ── wan ──┬─ upstream 192.0.2.2 (wireguard-go,
//   high 10.4.0.200 (wireguard-go) ─ 172.16.2.0/24 ─┘   198.51.100.2                  .1   │   forwards only from 10.4.0.1)
//                                                                                          └─ internet 203.0.113.10 (echo server)
// The wan router sends 10.4.0.1 to the upstream and the rest of 10.4.0.0/24 to the server, so the source
// the internet host sees tells which way a connection went.
using WgSharp.Interop.Tests.Harness;
using WgSharp.Interop.Tests.Quick;
using Xunit.Abstractions;
using static WgSharp.Interop.Tests.Scenarios.ScenarioNetwork;

namespace WgSharp.Interop.Tests.Scenarios;

public sealed class RoadWarriorSplitTests(ITestOutputHelper output)
{
    private const int Timeout = 300_000;
    private const int EchoPort = 8000;

    private static readonly System.Net.IPAddress Internet = Ip("203.0.113.10");
    private static readonly System.Net.IPAddress ServerTunnel = Ip("10.4.0.1");
    private static readonly System.Net.IPAddress Low = Ip("10.4.0.10");
    private static readonly System.Net.IPAddress High = Ip("10.4.0.200");

    [Fact(Timeout = Timeout)]
    public async Task UpperHalfExitsThroughTheUpstreamInUserspaceAndClientsReachEachOther()
    {
        using var network = new ScenarioNetwork();
        var server = await network.AddNamespaceAsync("server", forwarding: false);
        var wan = await network.AddNamespaceAsync("wan", forwarding: true);
        var upstream = await network.AddNamespaceAsync("upstream", forwarding: true);
        var internet = await network.AddNamespaceAsync("internet");
        var low = await network.AddNamespaceAsync("client-low");
        var high = await network.AddNamespaceAsync("client-high");

        var uplink = await LinkAsync(server, "198.51.100.2/24", "fd51::2/64", wan, "198.51.100.1/24", "fd51::1/64");
        var upstreamLink = await LinkAsync(wan, "192.0.2.1/24", "fd02::1/64", upstream, "192.0.2.2/24", "fd02::2/64");
        var internetLink = await LinkAsync(wan, "203.0.113.1/24", "fd13::1/64", internet, "203.0.113.10/24", "fd13::10/64");
        await LinkAsync(server, "172.16.1.1/24", "fd16:1::1/64", low, "172.16.1.2/24", "fd16:1::2/64");
        await LinkAsync(server, "172.16.2.1/24", "fd16:2::1/64", high, "172.16.2.2/24", "fd16:2::2/64");
        await DefaultViaAsync(server, uplink.B);
        await DefaultViaAsync(upstream, upstreamLink.A);
        await DefaultViaAsync(internet, internetLink.A);
        await RouteAsync(wan, "10.4.0.0/24", "via", "198.51.100.2");
        await RouteAsync(wan, "10.4.0.1/32", "via", "192.0.2.2");

        var serverKeys = await WgKeys.GenerateKeyPairAsync();
        var upstreamKeys = await WgKeys.GenerateKeyPairAsync();
        var lowKeys = await WgKeys.GenerateKeyPairAsync();
        var highKeys = await WgKeys.GenerateKeyPairAsync();
        // The provider forwards only what comes from the server's tunnel address.
        var upstreamWg = await network.StartReferenceAsync(upstream, $"""
            [Interface]
            PrivateKey = {upstreamKeys.PrivateKey}
            ListenPort = {WireGuardPort}

            [Peer]
            PublicKey = {serverKeys.PublicKey}
            AllowedIPs = 10.4.0.1/32
            """, "10.6.0.1/24");
        await RouteAsync(upstream, "10.4.0.1/32", "dev", upstreamWg.InterfaceName);
        var clients = new Dictionary<NetworkNamespace, WireGuardPeer>();
        foreach (var (ns, keys, address, serverSide) in new[] { (low, lowKeys, Low, "172.16.1.1"), (high, highKeys, High, "172.16.2.1") })
        {
            clients[ns] = await network.StartReferenceAsync(ns, $"""
                [Interface]
                PrivateKey = {keys.PrivateKey}

                [Peer]
                PublicKey = {serverKeys.PublicKey}
                Endpoint = {serverSide}:{WireGuardPort}
                AllowedIPs = 0.0.0.0/0
                PersistentKeepalive = 25
                """, $"{address}/24");
            await RouteAsync(ns, "default", "dev", clients[ns].InterfaceName);
        }

        await network.AssertNoKernelFirewallOrNatAsync();
        var wg = network.NewInterface(server, _ => $"""
            [Interface]
            PrivateKey = {serverKeys.PrivateKey}
            Address = {ServerTunnel}/24
            ListenPort = {WireGuardPort}
            Table = off
            MssClamp = auto

            [Peer]
            Name = low
            PublicKey = {lowKeys.PublicKey}
            AllowedIPs = {Low}/32

            [Peer]
            Name = high
            PublicKey = {highKeys.PublicKey}
            AllowedIPs = {High}/32

            [Peer]
            Name = upstream
            PublicKey = {upstreamKeys.PublicKey}
            Endpoint = 192.0.2.2:{WireGuardPort}
            AllowedIPs = 0.0.0.0/0
            Inbound = established
            PersistentKeepalive = 25

            # The server itself: its own address goes to the TUN (its services).
            [Rule]
            Input = high
            To = {ServerTunnel}/32
            Action = accept

            # Client to client: by AllowedIPs, relayed in userspace.
            [Rule]
            Input = high
            To = 10.4.0.0/24

            # The upper half: everything else to the upstream, masqueraded.
            [Rule]
            Input = high
            From = 10.4.0.128/25
            Peer = upstream
            Masquerade = yes

            [Rule]
            Input = low
            To = 10.4.0.0/24, !{ServerTunnel}/32
            """);
        var up = await wg.ExpectUpAsync();
        output.WriteLine(up.StandardError);
        using var tunCapture = await PacketCapture.StartAsync(server, wg.Name);
        using var internetEcho = await AddressEchoServer.StartAsync(internet, Internet, EchoPort, "internet");
        using var serverEcho = await AddressEchoServer.StartAsync(server, ServerTunnel, 8002, "server");
        using var lowEcho = await AddressEchoServer.StartAsync(low, Low, 8001, "low");
        using var highEcho = await AddressEchoServer.StartAsync(high, High, 8001, "high");
        Assert.Equal("net.ipv4.ip_forward = 0", (await server.ExecCheckedAsync(["sysctl", "net.ipv4.ip_forward"])).StandardOutput.Trim());

        // The upper half: through the upstream, as the server's tunnel address.
        var viaUpstream = await AddressEchoServer.AskUntilAnsweredAsync(high, Internet, EchoPort, TimeSpan.FromSeconds(20));
        Assert.True(viaUpstream == $"internet {ServerTunnel}", $"the high client's connection arrived as '{viaUpstream}'\n{await DiagnoseAsync(server, wg)}");
        var ping = await Traffic.PingAsync(high, Internet, count: 2);
        Assert.True(ping.Succeeded, $"high client's ping through the upstream: {ping}");

        // Client to client, both ways, addresses untouched; and the server's own address from a client.
        Assert.Equal($"low {High}", await AddressEchoServer.AskUntilAnsweredAsync(high, Low, 8001, TimeSpan.FromSeconds(10)));
        Assert.Equal($"high {Low}", await AddressEchoServer.AskUntilAnsweredAsync(low, High, 8001, TimeSpan.FromSeconds(10)));
        Assert.Equal($"server {High}", await AddressEchoServer.AskAsync(high, ServerTunnel, 8002));
        Assert.Equal($"server {Low}", await AddressEchoServer.AskAsync(low, ServerTunnel, 8002));

        // The lower half does not go upstream; with forwarding off the server's kernel does not route it either.
        Assert.Null(await AddressEchoServer.AskAsync(low, Internet, EchoPort, timeout: TimeSpan.FromSeconds(3)));

        // None of that crossed the server's TUN: relayed in userspace.
        tunCapture.Stop();
        var relayedThroughKernel = await tunCapture.ReadAsync($"host {High} and (host {Low} or host {Internet})");
        Assert.True(relayedThroughKernel.Count == 0, "relayed packets went through the kernel:\n" + string.Join('\n', relayedThroughKernel.Take(5)));
        Assert.NotEmpty(await tunCapture.ReadAsync($"host {High} and host {ServerTunnel}"));

        // With forwarding on, the lower half exits directly from the server (as itself); the upper half still
        // goes upstream, decided before the kernel sees it.
        await SetForwardingAsync(server, true);
        Assert.Equal($"internet {Low}", await AddressEchoServer.AskUntilAnsweredAsync(low, Internet, EchoPort, TimeSpan.FromSeconds(10)));
        Assert.Equal($"internet {ServerTunnel}", await AddressEchoServer.AskAsync(high, Internet, EchoPort));

        // Inbound = established: the upstream cannot open a connection to a client even with a route to it
        // (now that the server's kernel would forward what reaches its TUN).
        await upstreamWg.SetAsync("peer", serverKeys.PublicKey, "allowed-ips", "10.4.0.0/24");
        await RouteAsync(upstream, "10.4.0.0/24", "dev", upstreamWg.InterfaceName);
        using (var atHigh = await PacketCapture.StartAsync(high, clients[high].InterfaceName, "host 10.6.0.1"))
        {
            Assert.Null(await AddressEchoServer.AskAsync(upstream, High, 8001, timeout: TimeSpan.FromSeconds(3)));
            var reached = await atHigh.StopAndReadAsync();
            Assert.True(reached.Count == 0, "the upstream's packets reached a client:\n" + string.Join('\n', reached.Take(5)));
        }

        await network.AssertNoKernelFirewallOrNatAsync();
        await wg.ExpectDownAsync();
    }

    private static async Task<string> DiagnoseAsync(NetworkNamespace server, QuickInterface wg)
    {
        var show = await server.ExecAsync([RepositoryRoot.WgSharpLauncher, "show", wg.Name]);
        return $"$ wgsharp show\n{show.StandardOutput}{show.StandardError}";
    }
}
