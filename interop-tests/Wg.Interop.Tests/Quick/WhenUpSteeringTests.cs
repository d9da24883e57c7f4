// [Rule] steering to a `Routes = when-up` peer fails over: `wgsharp up` in a namespace against a wireguard-go
// server that is also the client's WAN router. While the peer is live, SMTP (tcp/25) goes through the tunnel (the
// far host sees the tunnel address); with the server's wireguard-go gone it goes the WAN way (the far host sees
// the client's WAN address) once the daemon has noticed the dead session; with a new wireguard-go, through the
// tunnel again. `down` restores `ip rule` and every routing table exactly, also after `kill -9` of the daemon.
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using WgSharp.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace WgSharp.Interop.Tests.Quick;

public sealed class WhenUpSteeringTests(ITestOutputHelper output)
{
    private const int Timeout = 240_000;

    private const uint SharedTable = 51820;
    private const uint PeerTable = 51821;

    private static readonly IPAddress ClientWanV4 = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress ClientWanV6 = IPAddress.Parse("2001:db8:1::1");

    // A dead session is noticed 15-20 s after the peer's last message (WireGuardDevice.LiveSessionTimeout), a returning
    // peer within about 5 s, plus up to the keeper's 2 s resync: generous bounds.
    private static readonly TimeSpan FailOverWithin = TimeSpan.FromSeconds(45);

    // Table = off: no AllowedIPs routes; only the [Rule] steers, and only while `gw` is live.
    private static string Config(QuickTopology topology) => topology.ClientConfig("0.0.0.0/0, ::/0", "Table = off") + """

        Name = gw
        Routes = when-up

        [Rule]
        Protocol = tcp
        Port = 25
        Peer = gw
        """;

    // The source address the far host saw for a TCP connection to it on port 25; null when the connection failed
    // (the way is changing: a SYN into a dead tunnel goes nowhere).
    private static async Task<string?> TrySeenSourceAsync(NetworkNamespace client, IPAddress far)
    {
        var result = await client.ExecAsync(
            ["ncat", far.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4", "--recv-only", "-w", "2", far.ToString(), "25"],
            TimeSpan.FromSeconds(10));
        return result.Succeeded ? result.StandardOutput.Trim() : null;
    }

    // Polls until the far host sees <expected>; returns how long it took.
    private async Task<TimeSpan> WaitForSourceAsync(NetworkNamespace client, IPAddress far, IPAddress expected, string why)
    {
        var clock = Stopwatch.StartNew();
        string? seen = null;
        while (clock.Elapsed < FailOverWithin)
        {
            seen = await TrySeenSourceAsync(client, far);
            if (seen == expected.ToString())
            {
                output.WriteLine($"{why}: {far} saw {seen} after {clock.Elapsed.TotalSeconds:F1} s");
                return clock.Elapsed;
            }

            await Task.Delay(500);
        }

        foreach (string[] command in Diagnostics)
        {
            var result = await client.ExecAsync(command, TimeSpan.FromSeconds(10));
            output.WriteLine($"$ {string.Join(' ', command)}\n{result.StandardOutput}{result.StandardError}");
        }

        Assert.Fail($"{why}: after {FailOverWithin.TotalSeconds} s {far} still sees {seen ?? "(no connection)"}, not {expected}");
        return clock.Elapsed;
    }

    private static readonly string[][] Diagnostics =
    [
        ["ip", "-4", "rule", "show"],
        ["ip", "-4", "route", "show", "table", "all"],
        [RepositoryRoot.WgSharpLauncher, "show"],
    ];

    private static async Task<string> ShowAsync(NetworkNamespace ns, params string[] command) =>
        (await ns.ExecCheckedAsync(command)).StandardOutput;

    [Fact(Timeout = Timeout)]
    public async Task SmtpToAWhenUpPeerGoesThroughTheTunnelWhileItIsLiveTheWanWayWhileNotAndDownRestoresAll()
    {
        using var topology = await QuickTopology.CreateAsync();
        var internet = topology.Internet;
        var server = topology.Server;
        // The WAN way back to the client (the topology's far host only knows the tunnel prefixes).
        await internet.ExecCheckedAsync(["ip", "-4", "route", "add", "192.0.2.0/24", "via", "198.51.100.1"]);
        await internet.ExecCheckedAsync(["ip", "-6", "route", "add", "2001:db8:1::/64", "via", "2001:db8:2::1"]);
        foreach ((string family, IPAddress address) in new[] { ("-4", QuickTopology.InternetV4), ("-6", QuickTopology.InternetV6) })
        {
            internet.StartBackground(["ncat", family, "-l", "-k", address.ToString(), "25", "--sh-exec", "echo $NCAT_REMOTE_ADDR"],
                TempFiles.NewPath($"ncat{family}25"));
        }

        Assert.True(await internet.WaitForTcpListenerAsync(25, TimeSpan.FromSeconds(5)));
        // A short keepalive from the server: it comes back by itself (the client also retries handshakes).
        await topology.ServerPeer.SetAsync("peer", topology.ClientKeys[0].PublicKey, "persistent-keepalive", "3");

        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        using var wg = QuickInterface.Create(topology.Client, _ => Config(topology));
        var up = await wg.ExpectUpAsync();
        output.WriteLine(up.StandardError);
        Assert.Contains($"[#] ip -4 route add 0.0.0.0/0 dev {wg.Name} table {SharedTable}", up.StandardError);
        Assert.Contains($"[#] ip -4 rule add pref 32764 ipproto tcp dport 25 table {PeerTable}", up.StandardError);
        Assert.Contains($"[#] ip -6 rule add pref 32764 ipproto tcp dport 25 table {PeerTable}", up.StandardError);
        Assert.DoesNotContain($"dev {wg.Name} table {PeerTable}", up.StandardError); // up routes nothing into the peer's table

        Assert.Contains($"32764:\tfrom all ipproto tcp dport 25 lookup {PeerTable}", await ShowAsync(topology.Client, "ip", "-4", "rule", "show"));
        var state = wg.ReadState()!;
        Assert.Equal(
            [(topology.ServerKeys.PublicKey, AddressFamily.InterNetwork, PeerTable), (topology.ServerKeys.PublicKey, AddressFamily.InterNetworkV6, PeerTable)],
            state.WhenUpSteering.Select(s => (s.PublicKey, s.Family, s.Table)));

        // Live: SMTP through the tunnel, both families; the daemon's route is in the peer's table.
        await WaitForSourceAsync(topology.Client, QuickTopology.InternetV4, QuickTopology.ClientTunnelV4(), "gw live (IPv4)");
        await WaitForSourceAsync(topology.Client, QuickTopology.InternetV6, QuickTopology.ClientTunnelV6(), "gw live (IPv6)");
        Assert.Matches($"^default dev {wg.Name} proto static scope link metric 10 *$",
            (await ShowAsync(topology.Client, "ip", "-4", "route", "show", "table", PeerTable.ToString(CultureInfo.InvariantCulture))).Trim());

        // The server's wireguard-go dies (its UDP socket and TUN go with it): SMTP fails over to the WAN once the
        // daemon has noticed the silence.
        topology.ServerPeer.SendTerminate();
        Assert.True(await topology.ServerPeer.WaitForExitAsync(TimeSpan.FromSeconds(10)), "wireguard-go did not stop");
        TimeSpan failOver = await WaitForSourceAsync(topology.Client, QuickTopology.InternetV4, ClientWanV4, "gw down (IPv4)");
        Assert.Equal(ClientWanV6.ToString(), await TrySeenSourceAsync(topology.Client, QuickTopology.InternetV6));
        Assert.Equal("", (await ShowAsync(topology.Client, "ip", "-4", "route", "show", "table", PeerTable.ToString(CultureInfo.InvariantCulture))).Trim());
        Assert.Equal("", (await ShowAsync(topology.Client, "ip", "-6", "route", "show", "table", PeerTable.ToString(CultureInfo.InvariantCulture))).Trim());
        // The rule is still there: only its table is empty, so the kernel goes on to `lookup main`.
        Assert.Contains($"ipproto tcp dport 25 lookup {PeerTable}", await ShowAsync(topology.Client, "ip", "-4", "rule", "show"));
        Assert.True(failOver < TimeSpan.FromSeconds(30), $"fail-over took {failOver.TotalSeconds:F1} s");

        // A new wireguard-go with the same key and port, that does not know the client's endpoint: the daemon's own
        // handshake retries bring the peer back, and SMTP goes through the tunnel again.
        using (var revived = await WireGuardPeer.StartAsync(Implementation.WireguardGo, server))
        {
            await revived.SetAsync("private-key", topology.ServerKeys.PrivateKeyFile, "listen-port",
                QuickTopology.ServerPort.ToString(CultureInfo.InvariantCulture));
            await revived.SetAsync("peer", topology.ClientKeys[0].PublicKey, "allowed-ips",
                $"{QuickTopology.ClientTunnelV4()}/32,{QuickTopology.ClientTunnelV6()}/128", "persistent-keepalive", "3");
            await revived.AddAddressAsync($"{QuickTopology.ServerTunnelV4}/24");
            await revived.AddAddressAsync($"{QuickTopology.ServerTunnelV6}/64");
            await revived.SetLinkUpAsync(1420);
            await WaitForSourceAsync(topology.Client, QuickTopology.InternetV4, QuickTopology.ClientTunnelV4(), "gw back (IPv4)");
            await WaitForSourceAsync(topology.Client, QuickTopology.InternetV6, QuickTopology.ClientTunnelV6(), "gw back (IPv6)");

            var down = await wg.ExpectDownAsync();
            output.WriteLine(down.StandardError);
            Assert.Contains($"[#] ip -4 rule del pref 32764 ipproto tcp dport 25 table {PeerTable}", down.StandardError);
            Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(topology.Client)).Text);
            Assert.Equal(ClientWanV4.ToString(), await TrySeenSourceAsync(topology.Client, QuickTopology.InternetV4));

            // Again, with the peer live, and this time the daemon dies by SIGKILL: its routes vanish with the link, the
            // rules outlive it, and `down` still removes exactly them.
            await wg.ExpectUpAsync();
            await WaitForSourceAsync(topology.Client, QuickTopology.InternetV4, QuickTopology.ClientTunnelV4(), "gw live after the second up");

            var daemon = wg.ReadState()!.Daemon!;
            Assert.Equal(0, Libc.Kill(daemon.Pid, Libc.SIGKILL));
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
            while ((StaleResourceSweeper.IsAlive(daemon.Pid) || await wg.LinkExistsAsync()) && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }

            Assert.False(await wg.LinkExistsAsync(), "the TUN interface outlived its killed daemon");
            Assert.Contains($"ipproto tcp dport 25 lookup {PeerTable}", await ShowAsync(topology.Client, "ip", "-4", "rule", "show"));
            // With the daemon dead, SMTP already goes the WAN way: the peer's table emptied with the link.
            Assert.Equal(ClientWanV4.ToString(), await TrySeenSourceAsync(topology.Client, QuickTopology.InternetV4));
        }

        await wg.ExpectDownAsync(wg.Name);
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(topology.Client)).Text);
        Assert.False(File.Exists(wg.StatePath), $"{wg.StatePath} left behind");
    }
}
