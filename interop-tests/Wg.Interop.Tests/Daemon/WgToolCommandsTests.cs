// The rest of the stock `wg` tool against one daemon, with the same expectations for wgsharp and both
// wireguard-go builds: `wg addconf` adds without removing, `wg syncconf` makes the peer list equal to the
// file, `wg show all dump` and every `wg show <if> <field>` report what was set.
using System.Security.Cryptography;
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Daemon;

public sealed class WgToolCommandsTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(20);

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.SingleData), MemberType = typeof(Implementations))]
    public async Task AddconfAddsAndSyncconfMakesThePeerListEqualToTheFile(Implementation implementation)
    {
        using var ns = await NetworkNamespace.CreateAsync();
        using var daemon = await WireGuardPeer.StartAsync(implementation, ns);
        string privateKey = (await WgKeys.GenerateKeyPairAsync()).PrivateKey;
        string kept = RandomKey(), dropped = RandomKey(), added = RandomKey();

        await daemon.SetConfAsync($"""
            [Interface]
            PrivateKey = {privateKey}
            ListenPort = 51820

            [Peer]
            PublicKey = {kept}
            AllowedIPs = 10.1.0.0/16
            Endpoint = 192.0.2.1:51820

            [Peer]
            PublicKey = {dropped}
            AllowedIPs = 10.2.0.0/16
            """);

        // addconf: a new peer, existing ones untouched.
        string addPath = TempFiles.WriteSecret("addconf", $"""
            [Peer]
            PublicKey = {added}
            AllowedIPs = 10.3.0.0/16, fd00:3::/48
            PersistentKeepalive = 25
            """);
        await ns.ExecCheckedAsync(["wg", "addconf", daemon.InterfaceName, addPath], Limit);
        WgDump afterAdd = await daemon.ShowDumpAsync();
        Assert.Equal(new[] { kept, dropped, added }.Order(), afterAdd.Peers.Select(p => p.PublicKey).Order());
        Assert.Equal(25, afterAdd.Peer(added).PersistentKeepalive);

        // syncconf: the file is the truth; `dropped` goes, `kept` gets new allowed IPs, `added` stays.
        string syncPath = TempFiles.WriteSecret("syncconf", $"""
            [Interface]
            PrivateKey = {privateKey}
            ListenPort = 51820

            [Peer]
            PublicKey = {kept}
            AllowedIPs = 10.1.0.0/16, 10.9.0.0/24
            Endpoint = 192.0.2.1:51820

            [Peer]
            PublicKey = {added}
            AllowedIPs = 10.3.0.0/16, fd00:3::/48
            PersistentKeepalive = 25
            """);
        await ns.ExecCheckedAsync(["wg", "syncconf", daemon.InterfaceName, syncPath], Limit);
        WgDump afterSync = await daemon.ShowDumpAsync();
        Assert.Equal(new[] { kept, added }.Order(), afterSync.Peers.Select(p => p.PublicKey).Order());
        Assert.Equal(new[] { "10.1.0.0/16", "10.9.0.0/24" }, afterSync.Peer(kept).AllowedIps.Select(p => p.ToString()).Order());
        Assert.Equal(51820, afterSync.ListenPort);
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.SingleData), MemberType = typeof(Implementations))]
    public async Task ShowAllDumpAndEachFieldReportWhatWasSet(Implementation implementation)
    {
        using var ns = await NetworkNamespace.CreateAsync();
        using var daemon = await WireGuardPeer.StartAsync(implementation, ns);
        KeyPair keys = await WgKeys.GenerateKeyPairAsync();
        string peer = RandomKey();
        string psk = RandomKey();
        string pskPath = TempFiles.WriteSecret("psk", psk + "\n");
        string keyPath = TempFiles.WriteSecret("key", keys.PrivateKey + "\n");
        await daemon.SetAsync("private-key", keyPath, "listen-port", "40123", "fwmark", "0x1234",
            "peer", peer, "preshared-key", pskPath, "allowed-ips", "10.5.0.0/24,fd00:5::/64",
            "endpoint", "[2001:db8::7]:51000", "persistent-keepalive", "15");

        async Task<string> Show(params string[] field) =>
            (await ns.ExecCheckedAsync(["wg", "show", daemon.InterfaceName, .. field], Limit)).StandardOutput;

        Assert.Equal(keys.PublicKey + "\n", await Show("public-key"));
        Assert.Equal(keys.PrivateKey + "\n", await Show("private-key"));
        Assert.Equal("40123\n", await Show("listen-port"));
        Assert.Equal("0x1234\n", await Show("fwmark"));
        Assert.Equal(peer + "\n", await Show("peers"));
        Assert.Equal($"{peer}\t[2001:db8::7]:51000\n", await Show("endpoints"));
        Assert.Equal($"{peer}\t10.5.0.0/24 fd00:5::/64\n", await Show("allowed-ips"));
        Assert.Equal($"{peer}\t{psk}\n", await Show("preshared-keys"));
        Assert.Equal($"{peer}\t15\n", await Show("persistent-keepalive"));
        Assert.Equal($"{peer}\t0\n", await Show("latest-handshakes"));
        Assert.Equal($"{peer}\t0\t0\n", await Show("transfer"));

        string all = (await ns.ExecCheckedAsync(["wg", "show", "all", "dump"], Limit)).StandardOutput;
        string[] ours = all.Split('\n').Where(l => l.StartsWith(daemon.InterfaceName + "\t", StringComparison.Ordinal)).ToArray();
        Assert.Equal(2, ours.Length); // the interface line and its one peer
        Assert.Equal($"{daemon.InterfaceName}\t{keys.PrivateKey}\t{keys.PublicKey}\t40123\t0x1234", ours[0]);
        Assert.StartsWith($"{daemon.InterfaceName}\t{peer}\t{psk}\t[2001:db8::7]:51000\t10.5.0.0/24,fd00:5::/64\t0\t0\t0\t15", ours[1]);
    }

    // Any 32 bytes are a valid Curve25519 public key (RFC 7748 §5) and a valid preshared key.
    private static string RandomKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
