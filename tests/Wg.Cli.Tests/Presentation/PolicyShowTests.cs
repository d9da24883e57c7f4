// WgSharp's additions to `show`, against golden text: peer names, rules with hit counters, flows with
// their NAT, drop counters and when-up peers in the readable form (plain and colored), the rules,
// conntrack and drops views, sanitized daemon text, and the command end to end over a socket (dump
// untouched, a daemon without a router shown exactly as wg shows it).
using WgSharp.Cli.Commands;
using WgSharp.Cli.Presentation;
using WgSharp.Cli.Tests.Support;
using WgSharp.Cli.Tests.Uapi;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using static WgSharp.Cli.Tests.Show.ShowSamples;

namespace WgSharp.Cli.Tests.Show;

public sealed class PolicyShowTests : IAsyncLifetime
{
    private readonly string _directory = TestNames.TempDirectory();
    private readonly List<UapiServer> _servers = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (UapiServer server in _servers)
        {
            await server.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    // Peer 1 is "nord" and peer 2 a when-up peer without a name, as in RouterSamples.Full.
    private static RouterInfo Info => new(RouterSamples.Full, RouterSamples.FullSnapshot);

    private static readonly string Peers =
        $"peer: {Pub(1)} (nord)\n" +
        "  preshared key: (hidden)\n" +
        "  endpoint: 192.0.2.1:51820\n" +
        "  allowed ips: 10.0.0.0/24, fd00::/64, ::1.2.3.4/128\n" +
        "  latest handshake: 1 minute, 3 seconds ago\n" +
        "  transfer: 1.23 MiB received, 4.56 KiB sent\n" +
        "  persistent keepalive: every 25 seconds\n" +
        "\n" +
        $"peer: {Pub(3)}\n" +
        "  allowed ips: 0.0.0.0/0, ::/0\n" +
        "  latest handshake: 1 year, 2 days, 1 hour, 1 second ago\n" +
        "  transfer: 1023 B received, 0 B sent\n" +
        "  persistent keepalive: every 1 hour, 1 minute, 1 second\n" +
        "\n" +
        $"peer: {Pub(2)}\n" +
        "  endpoint: [2001:db8::1]:1234\n" +
        "  allowed ips: (none)\n";

    private static readonly string PolicySections =
        "\n" +
        "relay: userspace\n" +
        "\n" +
        "rules:\n" +
        "  line 12: from 192.168.2.0/24 tcp port 25 -> peer nord masquerade\n" +
        "    1234 packets, 554.58 KiB\n" +
        "  line 20: set mark 0x7\n" +
        "    0 packets, 0 B\n" +
        "\n" +
        "conntrack: 2/65536 flows\n" +
        "  tcp 192.168.2.5:40000 -> 93.184.216.34:25, reply 93.184.216.34:25 -> 10.5.0.2:40000 [snat], established, assured, peer nord, expires in 4 days, 23 hours, 59 minutes, 59 seconds\n" +
        "  udp [fd05::9]:5353 -> [fd05::1]:53, udp, expires in 30 seconds\n" +
        "  counters: inserted 17\n" +
        "\n" +
        "drops:\n" +
        "  policy_drop: 3\n" +
        "\n" +
        "when-up peers:\n" +
        $"  {Pub(2)}: live\n";

    private static string Print(RouterInfo? router, bool colors = false)
    {
        using DeviceSnapshot snapshot = Snapshot(Now);
        using var writer = new ShowWriter(colors, hideKeys: true);
        PrettyPrinter.Write(writer, new ShownDevice("wg-test", snapshot, Now, router));
        return writer.Written;
    }

    private static string InterfaceBlock =>
        "interface: wg-test\n" +
        $"  public key: {OwnPublic}\n" +
        "  private key: (hidden)\n" +
        "  listening port: 51820\n" +
        "  fwmark: 0x20\n" +
        "\n";

    [Fact]
    public void Readable_form_adds_names_and_policy_sections()
    {
        Assert.Equal(InterfaceBlock + Peers + PolicySections, Print(Info));
    }

    [Fact]
    public void Without_a_policy_the_output_is_wgs()
    {
        string wg = Print(null);
        Assert.Equal(InterfaceBlock + Peers.Replace(" (nord)", ""), wg);
        Assert.Equal(wg, Print(new RouterInfo(RouterConfiguration.Empty, RouterSamples.FullSnapshot)));
    }

    [Fact]
    public void More_flows_than_shown_and_no_drops()
    {
        RouterSnapshot snapshot = RouterSamples.FullSnapshot;
        var info = new RouterInfo(new RouterConfiguration { MssClamp = 1300 }, new RouterSnapshot
        {
            Flows = [snapshot.Flows[1]],
            FlowCount = 3,
            FlowCapacity = 100,
            Counters = [new("conntrack_inserted", 0), new("drop_no_route", 0)],
        });
        Assert.Equal(InterfaceBlock + Peers.Replace(" (nord)", "") +
            "\n" +
            "relay: kernel\n" +
            "\n" +
            "conntrack: 3/100 flows\n" +
            "  udp [fd05::9]:5353 -> [fd05::1]:53, udp, expires in 30 seconds\n" +
            "  (2 more; `wgsharp show wg-test conntrack` lists them all)\n" +
            "\n" +
            "drops: (none)\n", Print(info));
    }

    [Fact]
    public void Colors()
    {
        string colored = Print(Info, colors: true);
        Assert.Contains($"\x1b[33m{Pub(1)}\x1b[0m (\x1b[1mnord\x1b[0m)\n", colored);
        Assert.Contains("\x1b[36m\x1b[1mrules\x1b[0m:\n", colored);
        Assert.Contains("\x1b[1mline 12\x1b[0m: from", colored);
        Assert.Contains("1234 \x1b[36mpackets\x1b[0m, 554.58 \x1b[36mKiB\x1b[0m\n", colored);
        Assert.Contains("\x1b[36m\x1b[1mconntrack\x1b[0m: 2\x1b[36m/\x1b[0m65536 \x1b[36mflows\x1b[0m\n", colored);
        Assert.Contains("\x1b[33m[snat]\x1b[0m", colored);
        Assert.Contains($"\x1b[1m{Pub(2)}\x1b[0m: \x1b[32mlive\x1b[0m\n", colored);
    }

    [Fact]
    public void Dnat_and_hostile_text()
    {
        var flow = new RouterFlow(6, RouterSamples.Ep("198.51.100.7:5000"), RouterSamples.Ep("10.5.0.2:8080"),
            RouterSamples.Ep("192.168.2.10:80"), RouterSamples.Ep("198.51.100.7:5000"), "est\x1b[31mab\nlished", null, false, TimeSpan.Zero);
        var info = new RouterInfo(new RouterConfiguration { MssClamp = RouterConfiguration.MssClampAuto }, new RouterSnapshot
        {
            Rules = [new RouterRuleStatus(3, "drop\x1b]0;owned\x07", 1, 60)],
            Flows = [flow],
            FlowCount = 1,
            FlowCapacity = 10,
        });
        string text = Print(info);
        Assert.Contains("  line 3: drop?]0;owned?\n    1 packet, 60 B\n", text);
        Assert.Contains("  tcp 198.51.100.7:5000 -> 10.5.0.2:8080, reply 192.168.2.10:80 -> 198.51.100.7:5000 [dnat], est?[31mab?lished, expires in 0 seconds\n", text);
        Assert.DoesNotContain('\x1b', text);
    }

    [Fact]
    public void Views_are_tab_separated()
    {
        using DeviceSnapshot snapshot = Snapshot(Now);
        var device = new ShownDevice("wg-test", snapshot, Now, Info);
        string View(PolicyView view, bool withInterface)
        {
            using var writer = new ShowWriter();
            PolicyPrinter.WriteView(writer, device, view, withInterface);
            return writer.Written;
        }

        Assert.Equal("12\t1234\t567890\tfrom 192.168.2.0/24 tcp port 25 -> peer nord masquerade\n20\t0\t0\tset mark 0x7\n", View(PolicyView.Rules, false));
        Assert.Equal(
            $"wg-test\ttcp\t192.168.2.5:40000\t93.184.216.34:25\t93.184.216.34:25\t10.5.0.2:40000\testablished\t{Pub(1)}\tassured\t431999\n" +
            "wg-test\tudp\t[fd05::9]:5353\t[fd05::1]:53\t[fd05::1]:53\t[fd05::9]:5353\tudp\t(none)\t-\t30\n",
            View(PolicyView.Conntrack, true));
        Assert.Equal("conntrack_inserted\t17\npolicy_drop\t3\nnat_port_exhausted\t0\n", View(PolicyView.Drops, false));
    }

    private ShowOptions Options => new(false, true, new FrozenClock(Now), _directory);

    private CommandOutput Show(params string[] args) => Run(context => ShowCommand.Run(context, args, Options));

    private FakeRouter Serve(string name, bool withRouter)
    {
        var device = new FakeDevice();
        device.Set(State(Now));
        var router = new FakeRouter { Snapshot = RouterSamples.FullSnapshot };
        router.SetRouterConfiguration(RouterSamples.Full);
        _servers.Add(UapiServer.Start(name, device, socketDirectory: _directory, router: withRouter ? router : null));
        return router;
    }

    [Fact]
    public void Command_end_to_end()
    {
        FakeRouter router = Serve("wgpol0", withRouter: true);
        Serve("wgplain0", withRouter: false);

        CommandOutput readable = Show("wgpol0");
        Assert.Equal(0, readable.ExitCode);
        Assert.Equal(InterfaceBlock.Replace("wg-test", "wgpol0") + Peers + PolicySections, readable.Output);
        Assert.Equal(PolicyPrinter.ReadableFlows, router.LastMaxFlows);

        Assert.Equal(InterfaceBlock.Replace("wg-test", "wgplain0") + Peers.Replace(" (nord)", ""), Show("wgplain0").Output);

        // wg's dump is the same for both daemons (and the router is not asked).
        router.GetRouterSnapshot(7);
        string dump = Show("wgpol0", "dump").Output;
        Assert.Equal(7, router.LastMaxFlows);
        Assert.Equal(Show("wgplain0", "dump").Output.Replace("wgplain0", "wgpol0"), dump);

        Assert.Equal(new CommandOutput(0, "12\t1234\t567890\tfrom 192.168.2.0/24 tcp port 25 -> peer nord masquerade\n20\t0\t0\tset mark 0x7\n", ""),
            Show("wgpol0", "rules"));
        Assert.Equal(0, router.LastMaxFlows);
        Assert.Equal(2, Show("wgpol0", "conntrack").Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Equal(UapiServer.MaxFlowsPerReply, router.LastMaxFlows);
        Assert.Equal(new CommandOutput(1, "", "Unable to show drops: wgplain0 is not served by a wgsharp daemon (no policy router)\n"), Show("wgplain0", "drops"));

        // all: views for the interfaces that have a router, prefixed by the name.
        CommandOutput all = Show("all", "drops");
        Assert.Equal(0, all.ExitCode);
        Assert.Equal("wgpol0\tconntrack_inserted\t17\nwgpol0\tpolicy_drop\t3\nwgpol0\tnat_port_exhausted\t0\n", all.Output);
        Assert.Contains("rules | conntrack | drops", Show("wgpol0", "bogus").Error);
    }
}
