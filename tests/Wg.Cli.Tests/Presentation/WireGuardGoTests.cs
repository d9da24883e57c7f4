// wgsharp's show, showconf and syncconf against real wireguard-go daemons with a live session (see
// WireGuardGoNetwork): the output is byte-identical to the stock `wg` reading the same daemon (each
// comparison bracketed by two wg runs, as counters and "seconds ago" move), and syncconf changes peers
// while the untouched peer's session goes on without a new handshake, where setconf restarts it.
using WgSharp.Cli.Commands;
using WgSharp.Cli.Presentation;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Configuration;
using static WgSharp.Cli.Tests.Show.WireGuardGoNetwork;

namespace WgSharp.Cli.Tests.Show;

public class WireGuardGoTests
{
    private static readonly string PeerX = Support.TestKeys.Public(30).ToBase64();
    private static readonly string PeerY = Support.TestKeys.Public(31).ToBase64();
    private static readonly string PeerZ = Support.TestKeys.Public(32).ToBase64();

    // wireguard-go reports its peers in Go map order, different from one get to the next: the forms that
    // keep the daemon's order (dumps, fields, showconf) are compared line by line as sorted lists; the
    // readable form sorts peers by handshake, and each device has at most one peer without one.
    private static async Task AssertSameAsWg(WireGuardGoNetwork network, string[] environment, Func<CliContext, int> ours,
        bool anyPeerOrder, params string[] wgArgs)
    {
        Func<string, string> normalize = anyPeerOrder
            ? text => string.Join('\n', text.Split('\n').Order(StringComparer.Ordinal))
            : text => text;
        for (int attempt = 1; ; attempt++)
        {
            string before = normalize(await IsolatedWg.WgOkAsync(network.SocketDirectory, environment, wgArgs));
            CommandOutput output = ShowSamples.Run(ours);
            string after = normalize(await IsolatedWg.WgOkAsync(network.SocketDirectory, environment, wgArgs));
            if (before == after || attempt == 8)
            {
                Assert.True(output.ExitCode == 0, output.ToString());
                Assert.Equal(before, normalize(output.Output));
                return;
            }
        }
    }

    private static Task AssertShowSameAsWg(WireGuardGoNetwork network, bool colors, params string[] args)
    {
        var options = new ShowOptions(colors, HideKeys: true, TimeProvider.System, network.SocketDirectory);
        return AssertSameAsWg(network, [colors ? "WG_COLOR_MODE=always" : "WG_COLOR_MODE=never"],
            context => ShowCommand.Run(context, args, options), anyPeerOrder: args.Length == 2, ["show", .. args]);
    }

    private static async Task<(long Seconds, long Ticks)> HandshakeAsync(WireGuardGoNetwork network, string peer)
    {
        using UapiClient client = await UapiClient.ConnectAsync(NameA, network.SocketDirectory);
        using DeviceSnapshot snapshot = await client.GetAsync();
        PeerSnapshot found = snapshot.Peers.Single(p => p.PublicKey.ToBase64() == peer);
        Assert.NotNull(found.LastHandshake);
        return (found.LastHandshake!.Value.ToUnixTimeSeconds(), found.LastHandshake.Value.UtcTicks);
    }

    [Fact]
    public async Task Show_and_showconf_match_wg_on_a_live_wireguard_go()
    {
        await using WireGuardGoNetwork network = await StartAsync();
        await network.PingAsync();
        // A peer that never answers: its keepalive starts handshakes towards an address nobody has.
        await network.WgOkAsync("set", NameA, "fwmark", "0x51",
            "peer", PeerX, "endpoint", "192.168.213.9:9", "persistent-keepalive", "3700",
            "allowed-ips", "10.213.9.0/24,fd13::/64,::1.2.3.4/128");

        foreach (bool colors in new[] { false, true })
        {
            await AssertShowSameAsWg(network, colors, NameA);
            await AssertShowSameAsWg(network, colors, NameB);
            await AssertShowSameAsWg(network, colors, "all");
            await AssertShowSameAsWg(network, colors);
        }

        await AssertShowSameAsWg(network, false, "interfaces");
        foreach ((string field, _) in ShowFields.Names)
        {
            await AssertShowSameAsWg(network, true, NameA, field);
        }

        await AssertShowSameAsWg(network, false, "all", "dump");
        foreach (string name in new[] { NameA, NameB })
        {
            var options = new ShowOptions(false, true, TimeProvider.System, network.SocketDirectory);
            await AssertSameAsWg(network, [], context => ShowConfCommand.Run(context, [name], options), anyPeerOrder: true, "showconf", name);
        }
    }

    [Fact]
    public async Task Syncconf_changes_peers_and_keeps_the_live_session()
    {
        await using WireGuardGoNetwork network = await StartAsync();
        await network.WgOkAsync("set", NameA,
            "peer", PeerX, "allowed-ips", "10.213.9.0/24",
            "peer", PeerY, "allowed-ips", "10.213.8.0/24");
        await network.PingAsync();
        (long Seconds, long Ticks) session = await HandshakeAsync(network, PublicKeyOf(12));

        // A wg-quick file: B as it is configured, Y with other allowed IPs, Z new, X gone.
        string file = network.WriteFile("wgs-a.conf",
            $"""
            [Interface]
            PrivateKey = {Convert.ToBase64String(Support.TestKeys.Private(11))}
            ListenPort = {PortA}
            Address = 10.213.0.1/24
            DNS = 10.213.0.53
            PostUp = echo never run by syncconf

            [Peer]
            Name = b
            PublicKey = {PublicKeyOf(12)}
            PresharedKey = {Convert.ToBase64String(Support.TestKeys.Bytes(13))}
            Endpoint = 192.168.213.2:{PortB}
            AllowedIPs = 10.213.0.2/32

            [Peer]
            PublicKey = {PeerY}
            AllowedIPs = 10.213.7.0/24, fd13:7::/64

            [Peer]
            PublicKey = {PeerZ}
            AllowedIPs = 10.213.6.0/24
            PersistentKeepalive = 0

            [Rule]
            To = 10.213.7.0/24
            Peer = b
            """);
        CommandOutput output = ShowSamples.Run(context =>
            SyncConfCommand.Run(context, [NameA, file], network.SocketDirectory, network.SocketDirectory, resolverOptions: null));
        Assert.True(output.ExitCode == 0, output.ToString());

        // wireguard-go reports peers in no particular order.
        string allowed = await network.WgOkAsync("show", NameA, "allowed-ips");
        Assert.Equal(
            new[] { $"{PublicKeyOf(12)}\t10.213.0.2/32", $"{PeerY}\t10.213.7.0/24 fd13:7::/64", $"{PeerZ}\t10.213.6.0/24" }.Order(StringComparer.Ordinal),
            allowed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(PeerX, await network.WgOkAsync("show", NameA, "peers"));

        // The session carries on: traffic flows with the same handshake, in both directions.
        await network.PingAsync();
        Assert.Equal(session, await HandshakeAsync(network, PublicKeyOf(12)));

        // Synced: against what wireguard-go now reports, there is nothing left to change.
        using (WgSharp.Cli.Configuration.InterfaceConfig config = WgSharp.Cli.Configuration.ConfigParser.Load(file))
        using (UapiClient client = await UapiClient.ConnectAsync(NameA, network.SocketDirectory))
        using (DeviceSnapshot now = await client.GetAsync())
        using (DeviceUpdate again = SyncConfPlanner.Plan(config, now))
        {
            Assert.True(again.IsEmpty);
        }

        // Control: `wg setconf` (replace_peers) with the same peers drops the session, so the next
        // packet needs a new handshake; the check above would have seen that.
        await Task.Delay(TimeSpan.FromSeconds(1.1));
        string stripped = network.WriteFile("stripped.conf",
            $"[Interface]\nPrivateKey = {Convert.ToBase64String(Support.TestKeys.Private(11))}\nListenPort = {PortA}\n\n" +
            $"[Peer]\nPublicKey = {PublicKeyOf(12)}\nPresharedKey = {Convert.ToBase64String(Support.TestKeys.Bytes(13))}\n" +
            $"Endpoint = 192.168.213.2:{PortB}\nAllowedIPs = 10.213.0.2/32\n");
        await network.WgOkAsync("setconf", NameA, stripped);
        await network.PingAsync();
        Assert.NotEqual(session, await HandshakeAsync(network, PublicKeyOf(12)));
    }
}
