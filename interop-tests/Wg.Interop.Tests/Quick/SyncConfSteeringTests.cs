// `wgsharp syncconf` re-plans the kernel's [Rule] steering of an interface `wgsharp up` made: in a namespace against
// a wireguard-go server that is also the client's WAN router, SMTP (tcp/25) is steered into the tunnel and
// submission (tcp/587) goes the WAN way (the far host tells by the source address it sees); after syncconf of a
// file that also steers 587, both go through the tunnel, the kernel rules and the state file are the new plan,
// the daemon is the same process and a TCP connection opened through the tunnel before carries on; a file without
// [Rule] removes the steering again; `down` then restores `ip rule` and every table exactly.
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using WgSharp.Interop.Tests.Harness;
using Xunit.Abstractions;

namespace WgSharp.Interop.Tests.Quick;

public sealed class SyncConfSteeringTests(ITestOutputHelper output)
{
    private const int Timeout = 180_000;

    private const uint Table = 51820;

    private static readonly IPAddress ClientWanV4 = IPAddress.Parse("192.0.2.1");

    private const string Smtp = """

        [Rule]
        Protocol = tcp
        Port = 25
        """;

    private const string Submission = """

        [Rule]
        Protocol = tcp
        Port = 587
        """;

    // Table = off: no AllowedIPs routes; only the [Rule]s steer local traffic into the tunnel.
    private static string Config(QuickTopology topology, string rules) => topology.ClientConfig("0.0.0.0/0, ::/0", "Table = off") + rules;

    // The source address the far host saw for a TCP connection to it on <port>; null when the connection failed.
    private static async Task<string?> SeenSourceAsync(NetworkNamespace client, int port)
    {
        // Reads the first line and closes, which ends the server's read.
        var result = await client.ExecAsync(
            ["timeout", "5", "bash", "-c", $"exec 3<>/dev/tcp/{QuickTopology.InternetV4}/{port} && read -t 4 -u 3 who && echo \"$who\""],
            TimeSpan.FromSeconds(10));
        return result.Succeeded ? result.StandardOutput.Trim() : null;
    }

    // Polls until the far host sees <expected> on <port> (the first handshake takes a moment).
    private static async Task WaitForSourceAsync(NetworkNamespace client, int port, IPAddress expected)
    {
        string? seen = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            seen = await SeenSourceAsync(client, port);
            if (seen == expected.ToString())
            {
                return;
            }

            await Task.Delay(500);
        }

        Assert.Fail($"port {port}: the far host still sees {seen ?? "(no connection)"}, not {expected}");
    }

    // The rules of the steering block (priorities 32700-32765) as `ip rule show` prints them.
    private static async Task<string[]> SteeringRulesAsync(NetworkNamespace ns, string family) =>
        [.. (await ns.ExecCheckedAsync(["ip", family, "rule", "show"])).StandardOutput.Split('\n')
            .Where(l => l.Length > 6 && uint.TryParse(l.AsSpan(0, l.IndexOf(':', StringComparison.Ordinal)), out uint p) && p is >= 32700 and <= 32765)
            .Select(l => l.Trim())];

    private static string[] StateSteering(QuickInterface wg, AddressFamily family) =>
        [.. wg.ReadState()!.Rules.Where(r => r.Steering && r.Family == family).Select(r => r.ToRuleEntry().ToCommandArguments())];

    [Fact(Timeout = Timeout)]
    public async Task SyncConfBringsTheKernelRulesAndTheStateToTheNewRuleSetWhileALiveConnectionCarriesOn()
    {
        using var topology = await QuickTopology.CreateAsync();
        var internet = topology.Internet;
        // The WAN way back to the client (the topology's far host only knows the tunnel prefixes).
        await internet.ExecCheckedAsync(["ip", "-4", "route", "add", "192.0.2.0/24", "via", "198.51.100.1"]);
        foreach (int port in new[] { 25, 587 })
        {
            // Says who connected, then echoes one line: a connection stays open until the client sends it (or EOF).
            internet.StartBackground(["ncat", "-4", "-l", "-k", QuickTopology.InternetV4.ToString(), port.ToString(CultureInfo.InvariantCulture),
                "--sh-exec", "echo $NCAT_REMOTE_ADDR; read -r line && echo \"$line\""], TempFiles.NewPath($"ncat{port}"));
            Assert.True(await internet.WaitForTcpListenerAsync(port, TimeSpan.FromSeconds(5)));
        }

        var before = await RoutingSnapshot.TakeAsync(topology.Client);
        using var wg = QuickInterface.Create(topology.Client, _ => Config(topology, Smtp));
        output.WriteLine((await wg.ExpectUpAsync()).StandardError);
        int daemon = wg.ReadState()!.Daemon!.Pid;
        await WaitForSourceAsync(topology.Client, 25, QuickTopology.ClientTunnelV4());
        Assert.Equal(ClientWanV4.ToString(), await SeenSourceAsync(topology.Client, 587));

        // A connection through the tunnel, open across the syncconf: it reads who it is, waits for the flag file,
        // then sends a line and must get it echoed.
        string flag = TempFiles.NewPath("go");
        Task<ProcessResult> session = topology.Client.ExecAsync(["bash", "-c",
            $"exec 3<>/dev/tcp/{QuickTopology.InternetV4}/25; read -t 10 -u 3 who; echo \"$who\"; "
            + $"while [ ! -e {flag} ]; do sleep 0.1; done; echo still-here >&3; read -t 10 -u 3 reply; echo \"$reply\""],
            TimeSpan.FromSeconds(90));
        await Task.Delay(1000);

        File.WriteAllText(wg.ConfigPath, Config(topology, Smtp + Submission));
        var sync = await topology.Client.ExecAsync([RepositoryRoot.WgSharpLauncher, "syncconf", wg.Name, wg.ConfigPath], QuickInterface.CommandTimeout);
        output.WriteLine(sync.StandardError);
        Assert.True(sync.Succeeded, $"syncconf failed: {sync.Describe()}");
        Assert.Contains($"[#] ip -4 rule add pref 32764 ipproto tcp dport 587 table {Table}", sync.StandardError);
        Assert.Contains($"[#] ip -4 rule del pref 32764 ipproto tcp dport 25 table {Table}", sync.StandardError);

        File.WriteAllText(flag, "");
        ProcessResult lived = await session;
        Assert.True(lived.Succeeded, lived.Describe());
        Assert.Equal([QuickTopology.ClientTunnelV4().ToString(), "still-here"], lived.StandardOutput.Trim().Split('\n'));

        // The block grew by one rule towards lower priorities; its landing stayed.
        Assert.Equal(
        [
            "pref 32760 table main suppress_prefixlength 0",
            $"pref 32761 fwmark {Table} goto 32765",
            $"pref 32762 from {QuickTopology.ClientTunnelV4()}/32 table {Table}",
            $"pref 32763 ipproto tcp dport 25 table {Table}",
            $"pref 32764 ipproto tcp dport 587 table {Table}",
            "pref 32765 nop",
        ], StateSteering(wg, AddressFamily.InterNetwork).Order(StringComparer.Ordinal));
        Assert.Equal(
        [
            "32760:\tfrom all lookup main suppress_prefixlength 0",
            $"32761:\tfrom all fwmark 0x{Table:x} goto 32765",
            $"32762:\tfrom {QuickTopology.ClientTunnelV4()} lookup {Table}",
            $"32763:\tfrom all ipproto tcp dport 25 lookup {Table}",
            $"32764:\tfrom all ipproto tcp dport 587 lookup {Table}",
            "32765:\tfrom all nop",
        ], await SteeringRulesAsync(topology.Client, "-4"));
        Assert.Equal(6, StateSteering(wg, AddressFamily.InterNetworkV6).Length);
        Assert.Equal(6, (await SteeringRulesAsync(topology.Client, "-6")).Length);
        Assert.Equal(daemon, wg.ReadState()!.Daemon!.Pid);
        // The file names no FwMark: the device keeps the one `up` gave it, which the block's `fwmark goto` relies on.
        Assert.Equal($"0x{Table:x}", (await topology.Client.ExecCheckedAsync([RepositoryRoot.WgSharpLauncher, "show", wg.Name, "fwmark"])).StandardOutput.Trim());
        Assert.Equal(QuickTopology.ClientTunnelV4().ToString(), await SeenSourceAsync(topology.Client, 587));
        Assert.Equal(QuickTopology.ClientTunnelV4().ToString(), await SeenSourceAsync(topology.Client, 25));

        // The same file again changes nothing in the kernel.
        var again = await topology.Client.ExecAsync([RepositoryRoot.WgSharpLauncher, "syncconf", wg.Name, wg.ConfigPath], QuickInterface.CommandTimeout);
        Assert.True(again.Succeeded, again.Describe());
        Assert.DoesNotContain(" rule ", again.StandardError);

        // No [Rule] left: the steering goes, and both ports go the WAN way.
        File.WriteAllText(wg.ConfigPath, Config(topology, ""));
        var none = await topology.Client.ExecAsync([RepositoryRoot.WgSharpLauncher, "syncconf", wg.Name, wg.ConfigPath], QuickInterface.CommandTimeout);
        output.WriteLine(none.StandardError);
        Assert.True(none.Succeeded, none.Describe());
        Assert.Empty(await SteeringRulesAsync(topology.Client, "-4"));
        Assert.Empty(await SteeringRulesAsync(topology.Client, "-6"));
        Assert.Empty(StateSteering(wg, AddressFamily.InterNetwork));
        Assert.Null(wg.ReadState()!.SteeringTable);
        Assert.Equal("", (await topology.Client.ExecCheckedAsync(["ip", "-4", "route", "show", "table", Table.ToString(CultureInfo.InvariantCulture)])).StandardOutput.Trim());
        Assert.Equal(ClientWanV4.ToString(), await SeenSourceAsync(topology.Client, 25));

        output.WriteLine((await wg.ExpectDownAsync()).StandardError);
        Assert.Equal(before.Text, (await RoutingSnapshot.TakeAsync(topology.Client)).Text);
    }
}
