// End to end against the stock `wg` tool (wireguard-tools): a UapiServer on the real socket path
// /var/run/wireguard/<name>.sock, backed by the in-memory FakeDevice, managed with `wg show`, `wg set`,
// `wg setconf`, `wg addconf`, `wg syncconf` and `wg showconf`. Interface names are unique per test
// (the socket directory is shared machine-wide) and every socket is removed when the test ends.
using System.Net;
using WgSharp.Cli.Tests.Support;
using WgSharp.Cli.Uapi;
using WgSharp.Noise.Keys;

namespace WgSharp.Cli.Tests.Uapi;

public sealed class WgToolInteropTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Handshake = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);
    private readonly string _name = TestNames.InterfaceName();
    private readonly string _files = TestNames.TempDirectory();
    private readonly FakeDevice _device = new();
    private UapiServer _server = null!;

    public Task InitializeAsync()
    {
        _server = UapiServer.Start(_name, _device);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_files, recursive: true);
        Assert.False(File.Exists(_server.SocketPath));
    }

    private static string B64(byte[] key) => Convert.ToBase64String(key);

    private static string Pub(int seed) => TestKeys.Public(seed).ToBase64();

    private static string PublicOf(byte[] privateKey)
    {
        using var key = PrivateKey.FromBytes(privateKey);
        return key.ComputePublicKey().ToBase64();
    }

    private static async Task<ProcessResult> Wg(params string[] args) =>
        await ProcessRunner.RunAsync("wg", args, timeout: TimeSpan.FromSeconds(15));

    private static async Task<string> WgOk(params string[] args)
    {
        ProcessResult result = await Wg(args);
        Assert.True(result.ExitCode == 0, $"wg {string.Join(' ', args)} failed:\n{result}");
        return result.StandardOutput;
    }

    private string WriteFile(string name, string contents)
    {
        string path = Path.Combine(_files, name);
        File.WriteAllText(path, contents);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return path;
    }

    private void LoadTwoPeers()
    {
        _device.Set(new FakeState
        {
            PrivateKey = TestKeys.Private(1),
            ListenPort = 51820,
            FirewallMark = 0x20,
            Peers =
            [
                new FakePeerState
                {
                    PublicKey = TestKeys.Public(1),
                    PresharedKey = TestKeys.Bytes(5),
                    Endpoint = IPEndPoint.Parse("192.0.2.1:51820"),
                    AllowedIps = [IPNetwork.Parse("10.0.0.0/24"), IPNetwork.Parse("fd00::/64")],
                    LastHandshake = Handshake,
                    TransmitBytes = 1234,
                    ReceiveBytes = 5678,
                    PersistentKeepaliveInterval = 25,
                },
                new FakePeerState
                {
                    PublicKey = TestKeys.Public(2),
                    Endpoint = IPEndPoint.Parse("[2001:db8::1]:1234"),
                },
            ],
        });
    }

    [Fact]
    public async Task Show_dump_prints_the_device()
    {
        LoadTwoPeers();
        string[] lines = (await WgOk("show", _name, "dump")).TrimEnd('\n').Split('\n');
        Assert.Equal($"{B64(TestKeys.Private(1))}\t{PublicOf(TestKeys.Private(1))}\t51820\t0x20", lines[0]);
        Assert.Equal(
            new[]
            {
                $"{Pub(1)}\t{B64(TestKeys.Bytes(5))}\t192.0.2.1:51820\t10.0.0.0/24,fd00::/64\t1700000000\t5678\t1234\t25",
                $"{Pub(2)}\t(none)\t[2001:db8::1]:1234\t(none)\t0\t0\t0\toff",
            }.Order(),
            lines[1..].Order());
    }

    [Fact]
    public async Task Show_lists_the_interface_and_its_details()
    {
        LoadTwoPeers();
        Assert.Contains(_name, (await WgOk("show", "interfaces")).Split(' ', '\n'));
        string text = await WgOk("show", _name);
        Assert.Contains($"interface: {_name}", text);
        Assert.Contains("listening port: 51820", text);
        Assert.Contains("fwmark: 0x20", text);
        Assert.Contains($"peer: {Pub(1)}", text);
        Assert.Contains("allowed ips: 10.0.0.0/24, fd00::/64", text);
        Assert.Contains("transfer: 5.54 KiB received, 1.21 KiB sent", text);
    }

    [Fact]
    public async Task Show_latest_handshakes()
    {
        LoadTwoPeers();
        string[] lines = (await WgOk("show", _name, "latest-handshakes")).TrimEnd('\n').Split('\n');
        Assert.Equal(new[] { $"{Pub(1)}\t1700000000", $"{Pub(2)}\t0" }.Order(), lines.Order());
    }

    [Fact]
    public async Task Showconf_prints_a_configuration_file()
    {
        LoadTwoPeers();
        string text = await WgOk("showconf", _name);
        Assert.Contains(
            $"[Interface]\nListenPort = 51820\nFwMark = 0x20\nPrivateKey = {B64(TestKeys.Private(1))}\n", text);
        Assert.Contains(
            $"[Peer]\nPublicKey = {Pub(1)}\nPresharedKey = {B64(TestKeys.Bytes(5))}\nAllowedIPs = 10.0.0.0/24, fd00::/64\n" +
            "Endpoint = 192.0.2.1:51820\nPersistentKeepalive = 25\n", text);
        Assert.Contains($"[Peer]\nPublicKey = {Pub(2)}\nEndpoint = [2001:db8::1]:1234\n", text);
    }

    [Fact]
    public async Task Set_configures_device_and_peer()
    {
        string privateFile = WriteFile("private", B64(TestKeys.Private(3)) + "\n");
        string pskFile = WriteFile("psk", B64(TestKeys.Bytes(8)) + "\n");
        await WgOk("set", _name, "listen-port", "51821", "fwmark", "0x10", "private-key", privateFile,
            "peer", Pub(3), "preshared-key", pskFile, "endpoint", "127.0.0.1:9", "persistent-keepalive", "25",
            "allowed-ips", "10.1.0.0/16,fd01::/48");

        ReceivedUpdate received = Assert.Single(_device.Received);
        Assert.Equal(TestKeys.Hex(TestKeys.Private(3)), received.PrivateKeyHex);
        Assert.Equal((ushort)51821, received.ListenPort);
        Assert.Equal(16u, received.FirewallMark);
        Assert.False(received.ReplacePeers);
        ReceivedPeer peer = Assert.Single(received.Peers);
        Assert.Equal(TestKeys.Public(3), peer.PublicKey);
        Assert.Equal(TestKeys.Hex(TestKeys.Bytes(8)), peer.PresharedKeyHex);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:9"), peer.Endpoint);
        Assert.Equal((ushort)25, peer.PersistentKeepaliveInterval);
        Assert.True(peer.ReplaceAllowedIps); // `wg set ... allowed-ips` replaces the list

        FakePeerState state = _device[TestKeys.Public(3)]!;
        Assert.Equal([IPNetwork.Parse("10.1.0.0/16"), IPNetwork.Parse("fd01::/48")], state.AllowedIps);

        await WgOk("set", _name, "peer", Pub(3), "endpoint", "[::1]:51820");
        Assert.Equal(new IPEndPoint(IPAddress.IPv6Loopback, 51820), _device[TestKeys.Public(3)]!.Endpoint);

        await WgOk("set", _name, "peer", Pub(3), "remove");
        Assert.True(_device.Received[^1].Peers[0].Remove);
        Assert.Null(_device[TestKeys.Public(3)]);
    }

    [Fact]
    public async Task Set_reports_the_device_errno()
    {
        _device.PortsInUse.Add(51899);
        ProcessResult result = await Wg("set", _name, "listen-port", "51899");
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Address already in use", result.StandardError);
        Assert.Equal(0, _device.ApplyCount);
    }

    [Fact]
    public async Task Setconf_replaces_everything_and_clears_fwmark()
    {
        LoadTwoPeers();
        string conf = WriteFile("setconf.conf",
            $"[Interface]\nPrivateKey = {B64(TestKeys.Private(2))}\nListenPort = 51822\n\n" +
            $"[Peer]\nPublicKey = {Pub(4)}\nAllowedIPs = 10.2.0.0/24\nEndpoint = 127.0.0.1:51823\n");
        await WgOk("setconf", _name, conf);

        ReceivedUpdate received = Assert.Single(_device.Received);
        Assert.Equal(0u, received.FirewallMark);   // setconf sends fwmark=0 when the file has none
        Assert.True(received.ReplacePeers);
        Assert.Equal((ushort)51822, received.ListenPort);
        Assert.True(Assert.Single(received.Peers).ReplaceAllowedIps);

        FakeState state = _device.State;
        Assert.Equal(0u, state.FirewallMark);
        Assert.Equal(TestKeys.Private(2), state.PrivateKey);
        FakePeerState peer = Assert.Single(state.Peers);
        Assert.Equal(TestKeys.Public(4), peer.PublicKey);
        Assert.Equal(IPEndPoint.Parse("127.0.0.1:51823"), peer.Endpoint);
        Assert.Equal([IPNetwork.Parse("10.2.0.0/24")], peer.AllowedIps);
    }

    [Fact]
    public async Task Addconf_adds_without_replacing()
    {
        LoadTwoPeers();
        string conf = WriteFile("addconf.conf", $"[Peer]\nPublicKey = {Pub(5)}\nAllowedIPs = 10.5.0.0/24\n");
        await WgOk("addconf", _name, conf);
        Assert.False(Assert.Single(_device.Received).ReplacePeers);
        Assert.Equal(3, _device.State.Peers.Count);
        Assert.Equal([IPNetwork.Parse("10.5.0.0/24")], _device[TestKeys.Public(5)]!.AllowedIps);
        Assert.Equal(0x20u, _device.State.FirewallMark);
    }

    [Fact]
    public async Task Syncconf_removes_peers_missing_from_the_file_and_updates_the_rest()
    {
        LoadTwoPeers();
        string conf = WriteFile("syncconf.conf",
            $"[Interface]\nPrivateKey = {B64(TestKeys.Private(1))}\nListenPort = 51820\nFwMark = 0x20\n\n" +
            $"[Peer]\nPublicKey = {Pub(1)}\nPresharedKey = {B64(TestKeys.Bytes(5))}\nAllowedIPs = 10.9.0.0/16\n\n" +
            $"[Peer]\nPublicKey = {Pub(6)}\nAllowedIPs = 10.6.0.0/24\n");
        await WgOk("syncconf", _name, conf);

        ReceivedUpdate received = Assert.Single(_device.Received);
        Assert.False(received.ReplacePeers); // syncconf keeps live peers (and their sessions)
        Assert.Contains(received.Peers, p => p.PublicKey == TestKeys.Public(2) && p.Remove);
        Assert.Equal([TestKeys.Public(1), TestKeys.Public(6)], _device.State.Peers.Select(p => p.PublicKey).Order(new KeyOrder()));
        Assert.Equal([IPNetwork.Parse("10.9.0.0/16")], _device[TestKeys.Public(1)]!.AllowedIps);
        Assert.Equal(Handshake, _device[TestKeys.Public(1)]!.LastHandshake); // the peer was updated, not recreated
    }

    private sealed class KeyOrder : IComparer<PublicKey>
    {
        public int Compare(PublicKey x, PublicKey y) => x.AsSpan().SequenceCompareTo(y.AsSpan());
    }
}
