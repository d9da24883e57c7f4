// SyncConfPlanner.Plan: the set transaction is minimal (a peer that already matches is not mentioned,
// nor is any device value that matches), never replaces all peers, and leaves the device exactly as
// `wg setconf` would (listen port and roamed endpoints aside, see Plan); checked on hand-made cases and
// on random devices and files against the setconf result computed by FakeDevice.
using System.Net;
using FsCheck.Fluent;
using WgSharp.Cli.Commands;
using WgSharp.Cli.Configuration;
using WgSharp.Cli.Tests.Support;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;

namespace WgSharp.Cli.Tests.Show;

public class SyncConfPlanTests
{
    private static readonly DateTimeOffset Handshake = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    private static FakeState Running() => new()
    {
        PrivateKey = TestKeys.Private(1),
        ListenPort = 51820,
        FirewallMark = 0,
        Peers =
        [
            new FakePeerState
            {
                PublicKey = TestKeys.Public(1),
                PresharedKey = TestKeys.Bytes(9),
                Endpoint = IPEndPoint.Parse("192.0.2.1:51820"),
                AllowedIps = [IPNetwork.Parse("10.0.1.0/24"), IPNetwork.Parse("fd00::1/128")],
                PersistentKeepaliveInterval = 25,
                LastHandshake = Handshake,
            },
            new FakePeerState { PublicKey = TestKeys.Public(2), AllowedIps = [IPNetwork.Parse("10.0.2.0/24")] },
            new FakePeerState { PublicKey = TestKeys.Public(3), AllowedIps = [IPNetwork.Parse("10.0.3.0/24")] },
        ],
    };

    // The file that describes Running() exactly (peer 1's allowed IPs in another order).
    private static InterfaceConfig Matching()
    {
        var config = new InterfaceConfig("test.conf") { PrivateKey = PrivateKey.FromBytes(TestKeys.Private(1)), ListenPort = 51820 };
        config.Peers.Add(Peer(1, ["fd00::1/128", "10.0.1.0/24"], psk: 9, endpoint: "192.0.2.1:51820", keepalive: 25));
        config.Peers.Add(Peer(2, ["10.0.2.0/24"]));
        config.Peers.Add(Peer(3, ["10.0.3.0/24"]));
        return config;
    }

    private static PeerConfig Peer(int seed, string[] allowedIps, int? psk = null, string? endpoint = null, ushort? keepalive = null)
    {
        var peer = new PeerConfig(1)
        {
            PublicKey = TestKeys.Public(seed),
            PublicKeyLine = 1,
            PresharedKey = psk is { } p ? PresharedKey.FromBytes(TestKeys.Bytes(p)) : null,
            ResolvedEndpoint = endpoint is null ? null : IPEndPoint.Parse(endpoint),
            PersistentKeepalive = keepalive,
        };
        peer.AllowedIps.AddRange(allowedIps.Select(IPNetwork.Parse));
        return peer;
    }

    private static ReceivedUpdate Plan(InterfaceConfig desired, FakeState running)
    {
        var device = new FakeDevice();
        device.Set(running);
        using DeviceSnapshot snapshot = device.GetSnapshot();
        using DeviceUpdate update = SyncConfPlanner.Plan(desired, snapshot);
        Assert.False(update.ReplacePeers);
        return ReceivedUpdate.From(update);
    }

    [Fact]
    public void A_file_that_matches_changes_nothing()
    {
        using InterfaceConfig desired = Matching();
        ReceivedUpdate update = Plan(desired, Running());
        Assert.Equal("private= port= fwmark= replace_peers=False\n", update.Describe());
    }

    [Fact]
    public void Only_removed_changed_and_new_peers_are_mentioned()
    {
        using InterfaceConfig desired = Matching();
        desired.Peers.RemoveAt(1);                                        // peer 2 removed
        desired.Peers[1].AllowedIps.Add(IPNetwork.Parse("10.0.33.0/24")); // peer 3 changed
        desired.Peers.Add(Peer(4, ["10.0.4.0/24"], keepalive: 10));       // peer 4 new
        ReceivedUpdate update = Plan(desired, Running());

        Assert.Null(update.PrivateKeyHex);
        Assert.Null(update.ListenPort);
        Assert.Null(update.FirewallMark);
        Assert.Equal([TestKeys.Public(2), TestKeys.Public(3), TestKeys.Public(4)], update.Peers.Select(p => p.PublicKey));
        Assert.True(update.Peers[0].Remove);
        ReceivedPeer changed = update.Peers[1];
        Assert.False(changed.Remove);
        Assert.True(changed.ReplaceAllowedIps);
        Assert.Equal(["10.0.3.0/24", "10.0.33.0/24"], changed.AllowedIpChanges.Select(c => c.Network.ToString()));
        Assert.Null(changed.PresharedKeyHex);
        Assert.Null(changed.Endpoint);
        Assert.Null(changed.PersistentKeepaliveInterval);
        ReceivedPeer added = update.Peers[2];
        Assert.Equal((ushort)10, added.PersistentKeepaliveInterval);
        Assert.Equal(["10.0.4.0/24"], added.AllowedIpChanges.Select(c => c.Network.ToString()));
    }

    [Fact]
    public void Absent_preshared_key_keepalive_and_fwmark_mean_none_absent_port_and_endpoint_mean_unchanged()
    {
        var running = Running();
        running.FirewallMark = 0x20;
        running.Peers[0].Endpoint = IPEndPoint.Parse("198.51.100.7:4000"); // roamed
        using var desired = new InterfaceConfig("test.conf") { PrivateKey = PrivateKey.FromBytes(TestKeys.Private(2)) };
        desired.Peers.Add(Peer(1, ["10.0.1.0/24", "fd00::1/128"]));
        desired.Peers.Add(Peer(2, ["10.0.2.0/24"], endpoint: "192.0.2.2:2"));
        desired.Peers.Add(Peer(3, ["10.0.3.0/24"], psk: 10, keepalive: 0));
        ReceivedUpdate update = Plan(desired, running);

        Assert.Equal(TestKeys.Hex(TestKeys.Private(2)), update.PrivateKeyHex);
        Assert.Null(update.ListenPort);
        Assert.Equal(0u, update.FirewallMark);
        Assert.Equal(3, update.Peers.Count);
        Assert.Equal(new string('0', 64), update.Peers[0].PresharedKeyHex); // removed
        Assert.Equal((ushort)0, update.Peers[0].PersistentKeepaliveInterval);
        Assert.Null(update.Peers[0].Endpoint);                              // the roamed endpoint stays
        Assert.False(update.Peers[0].ReplaceAllowedIps);
        Assert.Equal(IPEndPoint.Parse("192.0.2.2:2"), update.Peers[1].Endpoint);
        Assert.Null(update.Peers[1].PresharedKeyHex);
        Assert.Equal(TestKeys.Hex(TestKeys.Bytes(10)), update.Peers[2].PresharedKeyHex);
        Assert.Null(update.Peers[2].PersistentKeepaliveInterval);
    }

    [Fact]
    public void A_listen_port_and_fwmark_in_the_file_are_applied_when_they_differ()
    {
        using InterfaceConfig desired = Matching();
        desired.ListenPort = 51999;
        desired.FirewallMark = 7;
        ReceivedUpdate update = Plan(desired, Running());
        Assert.Equal((ushort)51999, update.ListenPort);
        Assert.Equal(7u, update.FirewallMark);
        Assert.Empty(update.Peers);

        desired.ListenPort = 0; // "any port": the one in use will do
        Assert.Null(Plan(desired, Running()).ListenPort);
    }

    [Fact]
    public void A_prefix_listed_for_two_peers_belongs_to_the_last_and_a_second_sync_changes_nothing()
    {
        using InterfaceConfig desired = Matching();
        desired.Peers[2].AllowedIps.Add(IPNetwork.Parse("10.0.1.0/24"));
        desired.Peers[2].AllowedIps.Add(IPNetwork.Parse("10.0.3.0/24"));
        var device = new FakeDevice();
        device.Set(Running());
        Sync(device, desired);
        Assert.Equal([IPNetwork.Parse("fd00::1/128")], device[TestKeys.Public(1)]!.AllowedIps);
        Assert.Equal([IPNetwork.Parse("10.0.3.0/24"), IPNetwork.Parse("10.0.1.0/24")], device[TestKeys.Public(3)]!.AllowedIps);
        Assert.Equal(Handshake, device[TestKeys.Public(1)]!.LastHandshake);

        using DeviceSnapshot after = device.GetSnapshot();
        using DeviceUpdate again = SyncConfPlanner.Plan(desired, after);
        Assert.True(again.IsEmpty);
    }

    private static void Sync(FakeDevice device, InterfaceConfig desired)
    {
        using DeviceSnapshot snapshot = device.GetSnapshot();
        using DeviceUpdate update = SyncConfPlanner.Plan(desired, snapshot);
        device.Apply(update);
    }

    [Fact]
    public void Random_devices_end_as_setconf_leaves_them_after_a_minimal_update()
    {
        Generators.Check(Prop.ForAll(Arb.From(Gen.Choose(0, int.MaxValue)), seed =>
        {
            var random = new Random(seed);
            FakeState running = RandomRunning(random);
            using InterfaceConfig desired = RandomDesired(random);

            // What setconf makes of it, then the two things syncconf deliberately keeps.
            var setconf = new FakeDevice();
            setconf.Set(running.Clone());
            using (DeviceUpdate full = desired.ToDeviceUpdate())
            {
                full.ListenPort ??= 0;
                full.FirewallMark ??= 0;
                setconf.Apply(full);
            }

            FakeState expected = setconf.State;
            if (desired.ListenPort is null or 0)
            {
                expected.ListenPort = running.ListenPort;
            }

            foreach (PeerConfig peer in desired.Peers.Where(p => p.ResolvedEndpoint is null))
            {
                expected.Peers.Find(p => p.PublicKey == peer.PublicKey)!.Endpoint =
                    running.Peers.Find(p => p.PublicKey == peer.PublicKey)?.Endpoint;
            }

            var synced = new FakeDevice();
            synced.Set(running.Clone());
            ReceivedUpdate update;
            using (DeviceSnapshot snapshot = synced.GetSnapshot())
            using (DeviceUpdate plan = SyncConfPlanner.Plan(desired, snapshot))
            {
                update = ReceivedUpdate.From(plan);
                synced.Apply(plan);
            }

            Assert.Equal(Describe(expected), Describe(synced.State));

            // Minimal: every peer mentioned was missing, unwanted or different; the device values too.
            foreach (ReceivedPeer peer in update.Peers)
            {
                FakePeerState? before = running.Peers.Find(p => p.PublicKey == peer.PublicKey);
                FakePeerState? after = expected.Peers.Find(p => p.PublicKey == peer.PublicKey);
                Assert.True(before is null || after is null || Describe(before) != Describe(after), $"seed {seed}: {peer.Describe()}");
            }

            Assert.True(update.ListenPort is null || update.ListenPort != running.ListenPort);
            Assert.True(update.FirewallMark is null || update.FirewallMark != running.FirewallMark);
            Assert.True(update.PrivateKeyHex is null || running.PrivateKey is null || update.PrivateKeyHex != TestKeys.Hex(running.PrivateKey));

            // Untouched peers keep their session state.
            foreach (FakePeerState peer in running.Peers.Where(p => !update.Peers.Exists(u => u.PublicKey == p.PublicKey)))
            {
                Assert.Equal(peer.LastHandshake, synced[peer.PublicKey]!.LastHandshake);
            }

            using DeviceSnapshot final = synced.GetSnapshot();
            using DeviceUpdate again = SyncConfPlanner.Plan(desired, final);
            return again.IsEmpty;
        }), maxTest: 500);
    }

    private static readonly IPNetwork[] PrefixPool =
        [.. Enumerable.Range(0, 5).Select(i => IPNetwork.Parse($"10.9.{i}.0/24")), IPNetwork.Parse("fd00::/64"), IPNetwork.Parse("0.0.0.0/0")];

    private static readonly IPEndPoint?[] EndpointPool = [null, IPEndPoint.Parse("192.0.2.1:1"), IPEndPoint.Parse("[2001:db8::2]:2")];

    private static FakeState RandomRunning(Random random)
    {
        var state = new FakeState
        {
            PrivateKey = random.Next(3) == 0 ? null : TestKeys.Private(1 + random.Next(2)),
            ListenPort = (ushort)(51820 + random.Next(2)),
            FirewallMark = (uint)random.Next(2) * 7,
        };
        foreach (int seed in Enumerable.Range(1, 6).Where(_ => random.Next(2) == 0))
        {
            state.Peers.Add(new FakePeerState
            {
                PublicKey = TestKeys.Public(seed),
                PresharedKey = random.Next(3) switch { 0 => null, 1 => TestKeys.Bytes(50), _ => TestKeys.Bytes(51) },
                Endpoint = EndpointPool[random.Next(EndpointPool.Length)],
                PersistentKeepaliveInterval = (ushort)(random.Next(2) * 25),
                LastHandshake = Handshake + TimeSpan.FromSeconds(seed),
            });
        }

        // Each prefix belongs to at most one peer on a device.
        foreach (IPNetwork prefix in PrefixPool)
        {
            if (state.Peers.Count > 0 && random.Next(2) == 0)
            {
                state.Peers[random.Next(state.Peers.Count)].AllowedIps.Add(prefix);
            }
        }

        return state;
    }

    private static InterfaceConfig RandomDesired(Random random)
    {
        var config = new InterfaceConfig("random.conf")
        {
            PrivateKey = PrivateKey.FromBytes(TestKeys.Private(1 + random.Next(2))),
            ListenPort = random.Next(4) switch { 0 => null, 1 => (ushort)0, 2 => (ushort)51820, _ => (ushort)51821 },
            FirewallMark = random.Next(3) switch { 0 => null, 1 => 0u, _ => 7u },
        };
        foreach (int seed in Enumerable.Range(1, 6).Where(_ => random.Next(2) == 0))
        {
            var peer = new PeerConfig(1)
            {
                PublicKey = TestKeys.Public(seed),
                PublicKeyLine = 1,
                PresharedKey = random.Next(3) switch
                {
                    0 => null,
                    1 => PresharedKey.FromBytes(TestKeys.Bytes(50)),
                    _ => PresharedKey.FromBytes(TestKeys.Bytes(51)),
                },
                ResolvedEndpoint = EndpointPool[random.Next(EndpointPool.Length)],
                PersistentKeepalive = random.Next(3) switch { 0 => null, 1 => (ushort)0, _ => (ushort)25 },
            };
            // Repeats within a peer and across peers are allowed in a file.
            for (int i = random.Next(4); i > 0; i--)
            {
                peer.AllowedIps.Add(PrefixPool[random.Next(PrefixPool.Length)]);
            }

            config.Peers.Add(peer);
        }

        return config;
    }

    private static string Describe(FakeState state) =>
        $"private={(state.PrivateKey is null ? "-" : TestKeys.Hex(state.PrivateKey))} port={state.ListenPort} mark={state.FirewallMark}\n"
        + string.Join("\n", state.Peers.OrderBy(p => p.PublicKey.ToBase64(), StringComparer.Ordinal).Select(Describe));

    private static string Describe(FakePeerState peer) =>
        $"{peer.PublicKey} psk={(peer.PresharedKey is null ? "-" : TestKeys.Hex(peer.PresharedKey))} endpoint={peer.Endpoint} "
        + $"keepalive={peer.PersistentKeepaliveInterval} ips={string.Join(",", peer.AllowedIps.Select(n => n.ToString()).Order(StringComparer.Ordinal))}";
}
