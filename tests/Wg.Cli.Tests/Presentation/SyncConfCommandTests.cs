// `wgsharp syncconf` in-process against a UapiServer backed by a FakeDevice: a full wg-quick file
// (Address, DNS, hooks, WgSharp's sections) is accepted, one set transaction without replace_peers
// carries only the differences, an unchanged file sends nothing, and a bad file changes nothing; the
// policy ([Rule], MssClamp, peer options) goes to the router first, only when it differs.
using System.Net;
using WgSharp.Cli.Commands;
using WgSharp.Cli.Tests.Support;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Net;
using static WgSharp.Cli.Tests.Show.ShowSamples;

namespace WgSharp.Cli.Tests.Show;

public sealed class SyncConfCommandTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Handshake = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private readonly string _directory = TestNames.TempDirectory();
    private readonly FakeDevice _device = new();
    private readonly FakeRouter _router = new();
    private UapiServer _server = null!;

    public Task InitializeAsync()
    {
        _device.Set(new FakeState
        {
            PrivateKey = TestKeys.Private(1),
            ListenPort = 51820,
            Peers =
            [
                new FakePeerState
                {
                    PublicKey = TestKeys.Public(1),
                    Endpoint = IPEndPoint.Parse("192.0.2.1:51820"),
                    AllowedIps = [IPNetwork.Parse("10.8.0.2/32")],
                    LastHandshake = Handshake,
                    ReceiveBytes = 100,
                },
                new FakePeerState { PublicKey = TestKeys.Public(2), AllowedIps = [IPNetwork.Parse("10.8.0.3/32")] },
                new FakePeerState { PublicKey = TestKeys.Public(3), AllowedIps = [IPNetwork.Parse("10.8.0.4/32")] },
            ],
        });
        _server = UapiServer.Start("wgsync0", _device, socketDirectory: _directory, router: _router);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private string File(string name, string text)
    {
        string path = Path.Combine(_directory, name);
        System.IO.File.WriteAllText(path, text);
        System.IO.File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private CommandOutput Sync(params string[] args) =>
        Run(context => SyncConfCommand.Run(context, args, _directory, _directory, resolverOptions: null));

    private static string WgQuickFile(string thirdPeerAllowedIps, bool withSecondPeer) =>
        $"""
        [Interface]
        PrivateKey = {B64(TestKeys.Private(1))}
        ListenPort = 51820
        Address = 10.8.0.1/24, fd08::1/64
        DNS = 10.8.0.53, example.internal
        MTU = 1420
        Table = off
        PostUp = echo up %i
        SaveConfig = false
        MssClamp = auto

        [Peer]
        Name = laptop
        PublicKey = {Pub(1)}
        Endpoint = 192.0.2.1:51820
        AllowedIPs = 10.8.0.2/32
        Inbound = established
        {(withSecondPeer ? $"\n[Peer]\nPublicKey = {Pub(2)}\nAllowedIPs = 10.8.0.3/32\n" : "")}
        [Peer]
        PublicKey = {Pub(3)}
        AllowedIPs = {thirdPeerAllowedIps}

        [Peer]
        Name = phone
        PublicKey = {Pub(4)}
        AllowedIPs = 10.8.0.5/32
        PersistentKeepalive = 25

        [Rule]
        From = 10.8.0.0/24
        Peer = laptop
        """;

    [Fact]
    public void A_wg_quick_file_is_synced_with_one_minimal_transaction()
    {
        string path = File("wgsync0.conf", WgQuickFile("10.8.0.4/32, 10.8.1.0/24", withSecondPeer: false));
        CommandOutput output = Sync("wgsync0", path);
        Assert.True(output.ExitCode == 0, output.ToString());
        Assert.Equal("", output.Output);

        ReceivedUpdate update = Assert.Single(_device.Received);
        Assert.False(update.ReplacePeers);
        Assert.Null(update.PrivateKeyHex);
        Assert.Null(update.ListenPort);
        Assert.Null(update.FirewallMark);
        Assert.Equal(
            [
                $"{Pub(2)} remove=True update_only=False psk= endpoint= keepalive= replace_ips=False version= ips=",
                $"{Pub(3)} remove=False update_only=False psk= endpoint= keepalive= replace_ips=True version= ips=10.8.0.4/32,10.8.1.0/24",
                $"{Pub(4)} remove=False update_only=False psk= endpoint= keepalive=25 replace_ips=True version= ips=10.8.0.5/32",
            ],
            update.Peers.Select(p => p.Describe()));

        // Peer 1 was not mentioned: its session state is as it was.
        Assert.Equal(Handshake, _device[TestKeys.Public(1)]!.LastHandshake);
        Assert.Equal(100UL, _device[TestKeys.Public(1)]!.ReceiveBytes);
        Assert.Null(_device[TestKeys.Public(2)]);

        // Synced: the same file again sends nothing at all.
        Assert.Equal(0, Sync("wgsync0", path).ExitCode);
        Assert.Single(_device.Received);
    }

    [Fact]
    public void An_unchanged_file_sends_nothing()
    {
        string path = File("same.conf", WgQuickFile("10.8.0.4/32", withSecondPeer: true).Replace(
            $"[Peer]\nName = phone\nPublicKey = {Pub(4)}\nAllowedIPs = 10.8.0.5/32\nPersistentKeepalive = 25\n", ""));
        CommandOutput output = Sync("wgsync0", path);
        Assert.True(output.ExitCode == 0, output.ToString());
        Assert.Empty(_device.Received);
    }

    [Fact]
    public void A_bare_name_is_looked_up_as_a_file_in_the_configuration_directory()
    {
        File("wgsync0.conf", WgQuickFile("10.8.0.4/32", withSecondPeer: true));
        Assert.Equal(0, Sync("wgsync0", "wgsync0").ExitCode);
        Assert.Equal([TestKeys.Public(4)], Assert.Single(_device.Received).Peers.Select(p => p.PublicKey));
    }

    [Fact]
    public void A_file_with_errors_changes_nothing_and_says_where()
    {
        string path = File("bad.conf", WgQuickFile("10.8.0.4/33", withSecondPeer: false));
        CommandOutput output = Sync("wgsync0", path);
        Assert.Equal(1, output.ExitCode);
        Assert.Matches($@"^{System.Text.RegularExpressions.Regex.Escape(path)}:\d+: AllowedIPs: .*10\.8\.0\.4/33.*\n", output.Error);
        Assert.EndsWith("nothing was changed\n", output.Error);
        Assert.Empty(_device.Received);
    }

    [Fact]
    public void Access_and_usage_errors()
    {
        string path = File("wgsync0.conf", WgQuickFile("10.8.0.4/32", withSecondPeer: true));
        Assert.Equal(new CommandOutput(1, "", "Unable to access interface: No such device\n"), Sync("wgnone", path));
        Assert.Equal(new CommandOutput(1, "", $"Usage: wgsharp syncconf {SyncConfCommand.Arguments}\n"), Sync("wgsync0"));
        CommandOutput missing = Sync("wgsync0", Path.Combine(_directory, "missing.conf"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("missing.conf", missing.Error);
        Assert.Empty(_device.Received);
    }

    [Fact]
    public void A_refused_set_is_reported()
    {
        _device.PortsInUse.Add(51999);
        string path = File("port.conf", WgQuickFile("10.8.0.4/32", withSecondPeer: true).Replace("ListenPort = 51820", "ListenPort = 51999"));
        CommandOutput output = Sync("wgsync0", path);
        Assert.Equal(new CommandOutput(1, "", "Unable to modify interface: Address already in use\n"), output);
        Assert.Equal(51820, _device.State.ListenPort);
    }

    [Fact]
    public void The_policy_is_sent_first_keeping_the_when_up_table_and_only_when_it_differs()
    {
        _router.SetRouterConfiguration(new RouterConfiguration { WhenUpRouteTable = 1234 });
        string path = File("policy.conf", WgQuickFile("10.8.0.4/32", withSecondPeer: true));
        CommandOutput output = Sync("wgsync0", path);
        Assert.True(output.ExitCode == 0, output.ToString());
        Assert.Equal(2, _router.SetCount);
        RouterConfiguration applied = _router.RouterConfiguration;
        Assert.Equal(1234u, applied.WhenUpRouteTable);
        Assert.Equal(RouterConfiguration.MssClampAuto, applied.MssClamp);
        Assert.Equal([new RouterPeerOptions(TestKeys.Public(1), "laptop", true, false), new RouterPeerOptions(TestKeys.Public(4), "phone", false, false)], applied.Peers);
        RouterRule rule = Assert.Single(applied.Rules);
        Assert.Equal(TestKeys.Public(1), rule.Peer);
        Assert.Equal([new PrefixSelector(IPNetwork.Parse("10.8.0.0/24"), false)], rule.From);
        Assert.Equal([IPAddress.Parse("10.8.0.1"), IPAddress.Parse("fd08::1")], applied.InterfaceAddresses);

        // In force already: not sent again (and the peers, synced too, are not either).
        Assert.Equal(0, Sync("wgsync0", path).ExitCode);
        Assert.Equal(2, _router.SetCount);

        // A file without the rule takes it away.
        Assert.Equal(0, Sync("wgsync0", File("norule.conf", WgQuickFile("10.8.0.4/32", withSecondPeer: true).Replace("[Rule]\nFrom = 10.8.0.0/24\nPeer = laptop", ""))).ExitCode);
        Assert.Equal(3, _router.SetCount);
        Assert.Empty(_router.RouterConfiguration.Rules);
    }

    [Fact]
    public void A_refused_policy_changes_nothing()
    {
        _router.Refusal = new ConfigurationException(ConfigurationErrno.InvalidArgument, "too many rules");
        string path = File("refused.conf", WgQuickFile("10.8.0.4/32, 10.8.1.0/24", withSecondPeer: false));
        CommandOutput output = Sync("wgsync0", path);
        Assert.Equal(new CommandOutput(1, "", "Unable to modify interface: the daemon refused the policy: too many rules; nothing was changed\n"), output);
        Assert.Empty(_device.Received);
    }

    [Fact]
    public async Task A_daemon_without_the_extension_gets_the_peers_and_a_warning()
    {
        await using UapiServer plain = UapiServer.Start("wgsync1", _device, socketDirectory: _directory);
        string path = File("plain.conf", WgQuickFile("10.8.0.4/32, 10.8.1.0/24", withSecondPeer: false));
        CommandOutput output = Sync("wgsync1", path);
        Assert.Equal(new CommandOutput(0, "",
            "Warning: the daemon of wgsync1 is not wgsharp: [Rule], [Forward], MssClamp and peer options are not applied\n"), output);
        Assert.Single(_device.Received);
    }
}
