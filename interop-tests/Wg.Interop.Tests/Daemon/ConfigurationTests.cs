// Configuration through the stock `wg` tool against one daemon: large `wg setconf` loads read back
// exactly through `wg show dump` and `wg showconf`, and allowed IPs stored with host bits cleared.
using System.Net;
using System.Security.Cryptography;
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Daemon;

public sealed class ConfigurationTests
{
    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.SingleData), MemberType = typeof(Implementations))]
    public async Task FortyPeersWithFiftyTwoAllowedIpsEachReadBackExactly(Implementation implementation)
    {
        var random = new Random(40_52);
        var prefixes = DistinctPrefixes(random, 40 * 52);
        var peers = Enumerable.Range(0, 40).Select(i => new WgConfigPeer(
            RandomKey(),
            i % 2 == 0 ? RandomKey() : null,
            (i % 3) switch
            {
                0 => null,
                1 => new IPEndPoint(IPAddress.Parse($"192.0.2.{i + 10}"), 40_000 + i),
                _ => new IPEndPoint(IPAddress.Parse($"2001:db8:2::{i + 10:x}"), 50_000 + i),
            },
            prefixes.Skip(i * 52).Take(52).ToList(),
            i % 4 == 1 ? 25 : null)).ToList();
        await LoadAndCompareAsync(implementation, new WgConfig((await WgKeys.GenerateKeyPairAsync()).PrivateKey, 51820, peers));
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.SingleData), MemberType = typeof(Implementations))]
    public async Task OnePeerWith65536AllowedIpsReadsBackExactly(Implementation implementation)
    {
        var prefixes = DistinctPrefixes(new Random(65_536), 65_536);
        var peer = new WgConfigPeer(RandomKey(), null, null, prefixes, null);
        await LoadAndCompareAsync(implementation, new WgConfig((await WgKeys.GenerateKeyPairAsync()).PrivateKey, 51820, [peer]));
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.SingleData), MemberType = typeof(Implementations))]
    public async Task AllowedIpsAreStoredWithHostBitsCleared(Implementation implementation)
    {
        using var ns = await NetworkNamespace.CreateAsync();
        using var daemon = await WireGuardPeer.StartAsync(implementation, ns);
        var key = RandomKey();
        // wg(8) warns about the nonzero host parts but passes them on; the daemon masks them.
        await daemon.SetAsync("peer", key, "allowed-ips", "10.1.2.3/24,192.0.2.77/32,fd00::1:2:3/64,2001:db8::1/127,0.0.0.0/0");
        var allowed = (await daemon.ShowDumpAsync()).Peer(key).AllowedIps.ToHashSet();
        IpPrefix[] expected =
        [
            IpPrefix.Parse("10.1.2.0/24"), IpPrefix.Parse("192.0.2.77/32"), IpPrefix.Parse("fd00::/64"),
            IpPrefix.Parse("2001:db8::/127"), IpPrefix.Parse("0.0.0.0/0"),
        ];
        Assert.True(allowed.SetEquals(expected), $"{implementation} stored {string.Join(",", allowed)}\n{daemon.Describe()}");
    }

    private static async Task LoadAndCompareAsync(Implementation implementation, WgConfig config)
    {
        using var ns = await NetworkNamespace.CreateAsync();
        using var daemon = await WireGuardPeer.StartAsync(implementation, ns);
        await daemon.SetConfAsync(config.Render(), TimeSpan.FromSeconds(30));

        var dump = await daemon.ShowDumpAsync(TimeSpan.FromSeconds(30));
        var shown = await daemon.ShowConfAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(config.ListenPort, dump.ListenPort);
        Assert.Equal(config.PrivateKey, dump.PrivateKey);
        Assert.Equal(config.PrivateKey, shown.PrivateKey);
        Assert.Equal(config.ListenPort, shown.ListenPort);
        Assert.Equal(config.Peers.Select(p => p.PublicKey).Order(), dump.Peers.Select(p => p.PublicKey).Order());
        Assert.Equal(config.Peers.Select(p => p.PublicKey).Order(), shown.Peers.Select(p => p.PublicKey).Order());

        foreach (var expected in config.Peers)
        {
            var fromDump = dump.Peer(expected.PublicKey);
            var fromConf = shown.Peers.Single(p => p.PublicKey == expected.PublicKey);
            var what = $"{implementation} peer {expected.PublicKey}";
            Assert.True(expected.PresharedKey == fromDump.PresharedKey, $"{what}: dump psk {fromDump.PresharedKey}");
            Assert.True(expected.PresharedKey == fromConf.PresharedKey, $"{what}: showconf psk {fromConf.PresharedKey}");
            Assert.True(Equals(expected.Endpoint, fromDump.Endpoint), $"{what}: dump endpoint {fromDump.Endpoint}, set {expected.Endpoint}");
            Assert.True(Equals(expected.Endpoint, fromConf.Endpoint), $"{what}: showconf endpoint {fromConf.Endpoint}, set {expected.Endpoint}");
            Assert.True(expected.PersistentKeepalive == fromDump.PersistentKeepalive, $"{what}: dump keepalive {fromDump.PersistentKeepalive}");
            Assert.True(expected.PersistentKeepalive == fromConf.PersistentKeepalive, $"{what}: showconf keepalive {fromConf.PersistentKeepalive}");
            AssertSameSet(expected.AllowedIps, fromDump.AllowedIps, $"{what}: dump allowed IPs");
            AssertSameSet(expected.AllowedIps, fromConf.AllowedIps, $"{what}: showconf allowed IPs");
        }
    }

    private static void AssertSameSet(IReadOnlyList<IpPrefix> expected, IReadOnlyList<IpPrefix> actual, string what)
    {
        // Counts too: a prefix listed twice would hide behind set equality.
        Assert.True(actual.Count == expected.Count, $"{what}: {actual.Count} entries, set {expected.Count}");
        var missing = expected.Except(actual).Take(5).ToList();
        var extra = actual.Except(expected).Take(5).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{what}: missing {string.Join(",", missing)}; unexpected {string.Join(",", extra)}");
    }

    /// <summary>
    /// <paramref name="count"/> distinct, canonical (host bits clear) prefixes, half IPv4 and half IPv6,
    /// of varied lengths and possibly nested; distinct across the whole set so none moves between peers.
    /// </summary>
    private static List<IpPrefix> DistinctPrefixes(Random random, int count)
    {
        var seen = new HashSet<IpPrefix>();
        var list = new List<IpPrefix>(count);
        while (list.Count < count)
        {
            var v6 = list.Count % 2 == 1;
            var bytes = new byte[v6 ? 16 : 4];
            random.NextBytes(bytes);
            // Mostly long prefixes (host routes and small subnets), some short ones for nesting.
            var max = v6 ? 128 : 32;
            var length = random.Next(4) == 0 ? random.Next(8, max + 1) : max - random.Next(0, 9);
            var prefix = new IpPrefix(new IPAddress(bytes), length).Masked();
            if (seen.Add(prefix))
            {
                list.Add(prefix);
            }
        }

        return list;
    }

    // Any 32 bytes are a valid Curve25519 public key (RFC 7748 §5) and a valid preshared key.
    private static string RandomKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
}
