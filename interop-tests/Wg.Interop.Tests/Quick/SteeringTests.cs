// Kernel steering from [Rule] sections (S3: outbound SMTP through the VPS; S1: reply routing by source), with
// `wgsharp up` in a namespace against a wireguard-go server. The server's namespace is also the client's WAN
// router: a far host answers every TCP connection with the source address it saw, which tells the tunnel way
// (the tunnel address) from the WAN way (the client's WAN address). `down` restores `ip rule` and every
// routing table exactly, also after `kill -9` of the daemon.
using System.Net;
using WgSharp.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace WgSharp.Interop.Tests.Quick;

public sealed class SteeringTests(ITestOutputHelper output)
{
    private const int Timeout = 180_000;

    private static readonly IPAddress ClientWanV4 = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress ClientWanV6 = IPAddress.Parse("2001:db8:1::1");

    // Table = off: no AllowedIPs routes at all (the peer is a whole-internet VPN provider); only the rules steer.
    private static string Config(QuickTopology topology) => topology.ClientConfig("0.0.0.0/0, ::/0", "Table = off") + """


        [Rule]
        Protocol = tcp
        Port = 25
        """;

    // The source address the far host saw for a TCP connection to it on <port> (ncat -s binds the client socket).
    private static async Task<string> SeenSourceAsync(NetworkNamespace client, IPAddress far, int port, IPAddress? bind = null)
    {
        string[] command = ["ncat", far.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "-6" : "-4",
            "--recv-only", "-w", "5", .. bind is null ? Array.Empty<string>() : ["-s", bind.ToString()],
            far.ToString(), port.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        var result = await client.ExecAsync(command, TimeSpan.FromSeconds(20));
        Assert.True(result.Succeeded, $"connection to {far} port {port}: {result.Describe()}");
        return result.StandardOutput.Trim();
    }

    private static async Task<string[]> RuleLinesAsync(NetworkNamespace ns, string family) =>
        (await ns.ExecCheckedAsync(["ip", family, "rule", "show"])).StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Replace('\t', ' ').TrimEnd()).ToArray();

    [Fact(Timeout = Timeout)]
    public async Task PortRuleSteersSmtpThroughTheTunnelOtherPortsTheWanWayBoundSocketsByTheirSourceAndDownRestoresAll()
    {
        using var topology = await QuickTopology.CreateAsync();
        var internet = topology.Internet;
        // The WAN way back to the client (the topology's far host only knows the tunnel prefixes).
        await internet.ExecCheckedAsync(["ip", "-4", "route", "add", "192.0.2.0/24", "via", "198.51.100.1"]);
        await internet.ExecCheckedAsync(["ip", "-6", "route", "add", "2001:db8:1::/64", "via", "2001:db8:2::1"]);
        foreach ((string family, IPAddress address) in new[] { ("-4", QuickTopology.InternetV4), ("-6", QuickTopology.InternetV6) })
        {
            foreach (int port in new[] { 25, 80 })
            {
                internet.StartBackground(
                    ["ncat", family, "-l", "-k", address.ToString(), port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        "--sh-exec", "echo $NCAT_REMOTE_ADDR"],
                    TempFiles.NewPath($"ncat{family}{port}"));
            }
        }

        Assert.True(await internet.WaitForTcpListenerAsync(25, TimeSpan.FromSeconds(5)));
        Assert.True(await internet.WaitForTcpListenerAsync(80, TimeSpan.FromSeconds(5)));

        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        // Without the tunnel everything goes the WAN way.
        Assert.Equal(ClientWanV4.ToString(), await SeenSourceAsync(topology.Client, QuickTopology.InternetV4, 25));

        using var wg = QuickInterface.Create(topology.Client, _ => Config(topology));
        var up = await wg.ExpectUpAsync();
        output.WriteLine(up.StandardError);
        Assert.Contains($"[#] wg set {wg.Name} fwmark 51820", up.StandardError);
        Assert.Contains($"[#] ip -4 route add 0.0.0.0/0 dev {wg.Name} table 51820", up.StandardError);
        Assert.Contains("[#] ip -4 rule add pref 32761 table main suppress_prefixlength 0", up.StandardError);
        Assert.Contains("[#] ip -4 rule add pref 32764 ipproto tcp dport 25 table 51820", up.StandardError);
        Assert.Contains("[#] ip -6 rule add pref 32763 from fd08::2/128 table 51820", up.StandardError);
        Assert.DoesNotContain($"route add 0.0.0.0/0 dev {wg.Name} table main", up.StandardError);

        string[] rules4 = await RuleLinesAsync(topology.Client, "-4");
        Assert.Equal(
        [
            "0: from all lookup local",
            "32761: from all lookup main suppress_prefixlength 0",
            "32762: from all fwmark 0xca6c goto 32765",
            "32763: from 10.8.0.2 lookup 51820",
            "32764: from all ipproto tcp dport 25 lookup 51820",
            "32765: from all nop",
            "32766: from all lookup main",
            "32767: from all lookup default",
        ], rules4);
        Assert.Contains("32764: from all ipproto tcp dport 25 lookup 51820", await RuleLinesAsync(topology.Client, "-6"));
        Assert.Contains($"default dev {wg.Name}", (await topology.Client.ExecCheckedAsync(["ip", "-4", "route", "show", "table", "51820"])).StandardOutput);
        Assert.Equal(51820u, wg.ReadState()!.SteeringTable);

        // SMTP goes through the tunnel (the far host sees the tunnel address), port 80 the WAN way, both families.
        Assert.Equal("10.8.0.2", await SeenSourceAsync(topology.Client, QuickTopology.InternetV4, 25));
        Assert.Equal(ClientWanV4.ToString(), await SeenSourceAsync(topology.Client, QuickTopology.InternetV4, 80));
        Assert.Equal("fd08::2", await SeenSourceAsync(topology.Client, QuickTopology.InternetV6, 25));
        Assert.Equal(ClientWanV6.ToString(), await SeenSourceAsync(topology.Client, QuickTopology.InternetV6, 80));
        // A socket bound to the interface address goes through the tunnel whatever the port (reply routing by source).
        Assert.Equal("10.8.0.2", await SeenSourceAsync(topology.Client, QuickTopology.InternetV4, 80, QuickTopology.ClientTunnelV4()));
        Assert.Equal("fd08::2", await SeenSourceAsync(topology.Client, QuickTopology.InternetV6, 80, QuickTopology.ClientTunnelV6()));

        var down = await wg.ExpectDownAsync();
        output.WriteLine(down.StandardError);
        Assert.Contains("[#] ip -4 rule del pref 32764 ipproto tcp dport 25 table 51820", down.StandardError);
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(topology.Client)).Text);
        Assert.Equal(ClientWanV4.ToString(), await SeenSourceAsync(topology.Client, QuickTopology.InternetV4, 25));

        // Again, and this time the daemon dies by SIGKILL: the rules outlive it, `down` still removes exactly them.
        await wg.ExpectUpAsync();
        var daemon = wg.ReadState()!.Daemon!;
        Assert.Equal(0, Libc.Kill(daemon.Pid, Libc.SIGKILL));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while ((StaleResourceSweeper.IsAlive(daemon.Pid) || await wg.LinkExistsAsync()) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.False(await wg.LinkExistsAsync(), "the TUN interface outlived its killed daemon");
        Assert.Contains("32764: from all ipproto tcp dport 25 lookup 51820", await RuleLinesAsync(topology.Client, "-4"));
        await wg.ExpectDownAsync(wg.Name);
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(topology.Client)).Text);
        Assert.False(File.Exists(wg.StatePath), $"{wg.StatePath} left behind");
    }
}
