// A `Routes = when-up` peer's default route fails over with the default table settings (Table = auto): `wgsharp up`
// in a namespace whose WAN default route (metric 0) beats any metric, against a wireguard-go server that is also
// the WAN router. While the peer is live, traffic to an outside address goes through the tunnel (the far host sees
// the tunnel address); with the server's wireguard-go gone, the WAN way (the far host sees the client's WAN
// address); with a new wireguard-go, through the tunnel again. `down` restores `ip rule` and every table exactly.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using WgSharp.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace WgSharp.Interop.Tests.Quick;

public sealed class WhenUpDefaultRouteTests(ITestOutputHelper output)
{
    private const int Timeout = 240_000;

    private const uint PeerTable = 51820;

    private static readonly IPAddress ClientWanV4 = IPAddress.Parse("192.0.2.1");

    // A dead session is noticed 15-20 s after the peer's last message, a returning peer within about 5 s, plus up to
    // the keeper's 2 s resync: generous bounds.
    private static readonly TimeSpan FailOverWithin = TimeSpan.FromSeconds(45);

    private static string Config(QuickTopology topology) => topology.ClientConfig("0.0.0.0/0") + """

        Name = gw
        Routes = when-up
        """;

    // The source address the far host saw for a TCP connection to it on port 25; null when the connection failed.
    private static async Task<string?> TrySeenSourceAsync(NetworkNamespace client)
    {
        var result = await client.ExecAsync(
            ["timeout", "5", "bash", "-c", $"exec 3<>/dev/tcp/{QuickTopology.InternetV4}/25 && read -t 4 -u 3 who && echo \"$who\""],
            TimeSpan.FromSeconds(10));
        return result.Succeeded ? result.StandardOutput.Trim() : null;
    }

    private async Task WaitForSourceAsync(NetworkNamespace client, IPAddress expected, string why)
    {
        var clock = Stopwatch.StartNew();
        string? seen = null;
        while (clock.Elapsed < FailOverWithin)
        {
            seen = await TrySeenSourceAsync(client);
            if (seen == expected.ToString())
            {
                output.WriteLine($"{why}: the far host saw {seen} after {clock.Elapsed.TotalSeconds:F1} s");
                return;
            }

            await Task.Delay(500);
        }

        foreach (string[] command in new[] { new[] { "ip", "-4", "rule", "show" }, ["ip", "-4", "route", "show", "table", "all"] })
        {
            var result = await client.ExecAsync(command, TimeSpan.FromSeconds(10));
            output.WriteLine($"$ {string.Join(' ', command)}\n{result.StandardOutput}{result.StandardError}");
        }

        Assert.Fail($"{why}: after {FailOverWithin.TotalSeconds} s the far host still sees {seen ?? "(no connection)"}, not {expected}");
    }

    private static async Task<string> TableAsync(NetworkNamespace ns, uint table) =>
        (await ns.ExecCheckedAsync(["ip", "-4", "route", "show", "table", table.ToString(CultureInfo.InvariantCulture)])).StandardOutput.Trim();

    [Fact(Timeout = Timeout)]
    public async Task TheDefaultRouteTakesThePeerWhileItIsLiveTheWanWhileNotAndBack()
    {
        using var topology = await QuickTopology.CreateAsync();
        var internet = topology.Internet;
        await internet.ExecCheckedAsync(["ip", "-4", "route", "add", "192.0.2.0/24", "via", "198.51.100.1"]);
        internet.StartBackground(["ncat", "-4", "-l", "-k", QuickTopology.InternetV4.ToString(), "25", "--sh-exec", "echo $NCAT_REMOTE_ADDR"],
            TempFiles.NewPath("ncat25"));
        Assert.True(await internet.WaitForTcpListenerAsync(25, TimeSpan.FromSeconds(5)));
        await topology.ServerPeer.SetAsync("peer", topology.ClientKeys[0].PublicKey, "persistent-keepalive", "3");
        // The WAN default route has metric 0: a when-up route in main (metric 10) would never win against it.
        Assert.Contains("default via 192.0.2.2", await TableAsync(topology.Client, 254));

        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        using var wg = QuickInterface.Create(topology.Client, _ => Config(topology));
        var up = await wg.ExpectUpAsync();
        output.WriteLine(up.StandardError);
        Assert.Contains($"[#] ip -4 rule add not fwmark {PeerTable} table {PeerTable}", up.StandardError);
        Assert.DoesNotContain($"route add 0.0.0.0/0 dev {wg.Name} table {PeerTable}", up.StandardError); // the daemon's, while live
        Assert.Contains(wg.ReadState()!.WhenUpSteering, s => s.Table == PeerTable && s.PublicKey == topology.ServerKeys.PublicKey);

        await WaitForSourceAsync(topology.Client, QuickTopology.ClientTunnelV4(), "gw live");
        Assert.Matches($"^default dev {wg.Name} proto static scope link metric 10 *$", await TableAsync(topology.Client, PeerTable));
        Assert.DoesNotContain($"dev {wg.Name}", (await topology.Client.ExecCheckedAsync(["ip", "-4", "route", "show", "default"])).StandardOutput);

        topology.ServerPeer.SendTerminate();
        Assert.True(await topology.ServerPeer.WaitForExitAsync(TimeSpan.FromSeconds(10)), "wireguard-go did not stop");
        await WaitForSourceAsync(topology.Client, ClientWanV4, "gw down");
        Assert.Equal("", await TableAsync(topology.Client, PeerTable));

        using (var revived = await WireGuardPeer.StartAsync(Implementation.WireguardGo, topology.Server))
        {
            await revived.SetAsync("private-key", topology.ServerKeys.PrivateKeyFile, "listen-port",
                QuickTopology.ServerPort.ToString(CultureInfo.InvariantCulture));
            await revived.SetAsync("peer", topology.ClientKeys[0].PublicKey, "allowed-ips",
                $"{QuickTopology.ClientTunnelV4()}/32,{QuickTopology.ClientTunnelV6()}/128", "persistent-keepalive", "3");
            await revived.AddAddressAsync($"{QuickTopology.ServerTunnelV4}/24");
            await revived.AddAddressAsync($"{QuickTopology.ServerTunnelV6}/64");
            await revived.SetLinkUpAsync(1420);
            await WaitForSourceAsync(topology.Client, QuickTopology.ClientTunnelV4(), "gw back");

            output.WriteLine((await wg.ExpectDownAsync()).StandardError);
            Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(topology.Client)).Text);
            Assert.Equal(ClientWanV4.ToString(), await TrySeenSourceAsync(topology.Client));
        }
    }
}
