// Cryptokey routing (whitepaper §2.2): allowed IPs choose the peer for outbound packets and filter the
// source of inbound ones; changing them or removing the peer takes effect on a running tunnel.
using System.Net;
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Pairs;

public sealed class AllowedIpsTests
{
    // Extra networks behind B (RFC 1918 / RFC 4193), reachable only if A routes them to B.
    private static readonly IPAddress ExtraV4 = IPAddress.Parse("10.233.0.1");
    private static readonly IPAddress ExtraV6 = IPAddress.Parse("fd00:233::1");

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.PairData), MemberType = typeof(Implementations))]
    public async Task NarrowedAllowedIpsStopTrafficToRemovedPrefixes(Implementation a, Implementation b)
    {
        using var pair = await TunnelPair.CreateAsync(a, b);
        await AddNetworksBehindBAsync(pair);
        var ownB = $"{pair.B.TunnelV4}/32,{pair.B.TunnelV6}/128";
        await pair.A.Peer.SetAsync("peer", pair.B.Keys.PublicKey, "allowed-ips", $"{ownB},10.233.0.0/24,fd00:233::/64");

        await pair.ExpectAsync((await Traffic.PingAsync(pair.A.Namespace, ExtraV4)).Succeeded, "A cannot reach 10.233.0.1 through B");
        await pair.ExpectAsync((await Traffic.PingAsync(pair.A.Namespace, ExtraV6)).Succeeded, "A cannot reach fd00:233::1 through B");
        // Inbound: B sourcing from the extra network passes A's source check while it is allowed.
        await pair.ExpectAsync((await Traffic.PingAsync(pair.B.Namespace, pair.A.TunnelV4, source: ExtraV4)).Succeeded,
            "ping from B's 10.233.0.1 to A fails while 10.233.0.0/24 is allowed");

        // wg(8) `allowed-ips` replaces the peer's whole list.
        await pair.A.Peer.SetAsync("peer", pair.B.Keys.PublicKey, "allowed-ips", ownB);
        var allowed = (await pair.A.Peer.ShowDumpAsync()).Peer(pair.B.Keys.PublicKey).AllowedIps;
        await pair.ExpectAsync(
            allowed.ToHashSet().SetEquals([IpPrefix.Parse($"{pair.B.TunnelV4}/32"), IpPrefix.Parse($"{pair.B.TunnelV6}/128")]),
            $"A's allowed IPs for B are {string.Join(",", allowed)} after narrowing to {ownB}");

        // Outbound to the removed prefixes: no peer, dropped. Inbound from them: fails the source check.
        await pair.ExpectNoPingAsync(pair.A, ExtraV4);
        await pair.ExpectNoPingAsync(pair.A, ExtraV6);
        // A's reply would have no peer either, so watch A's TUN instead: a packet that passes the source
        // check is written to it (its rx_packets); B's transfer counter shows the packets were sent.
        var tunRxBefore = await pair.A.Peer.ReadLinkCounterAsync("rx_packets");
        var txBefore = (await pair.B.Peer.ShowDumpAsync()).Peer(pair.A.Keys.PublicKey).TxBytes;
        await Traffic.PingAsync(pair.B.Namespace, pair.A.TunnelV4, deadline: TimeSpan.FromSeconds(3), source: ExtraV4);
        var tunRxAfter = await pair.A.Peer.ReadLinkCounterAsync("rx_packets");
        var txAfter = (await pair.B.Peer.ShowDumpAsync()).Peer(pair.A.Keys.PublicKey).TxBytes;
        await pair.ExpectAsync(txAfter > txBefore, "B sent nothing to A when pinging from 10.233.0.1");
        await pair.ExpectAsync(tunRxAfter == tunRxBefore,
            $"A delivered {tunRxAfter - tunRxBefore} packet(s) from 10.233.0.1 to its TUN after the prefix left B's allowed IPs");
        // The remaining prefixes still work.
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false);
        await pair.ExpectPingAsync(pair.A, pair.B, v6: true);
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.PairData), MemberType = typeof(Implementations))]
    public async Task RemovedPeerGetsNoTrafficUntilReadded(Implementation a, Implementation b)
    {
        using var pair = await TunnelPair.CreateAsync(a, b);
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false);

        await pair.A.Peer.SetAsync("peer", pair.B.Keys.PublicKey, "remove");
        var dump = await pair.A.Peer.ShowDumpAsync();
        await pair.ExpectAsync(dump.Peers.Count == 0, $"A still lists {dump.Peers.Count} peer(s) after removal");
        await pair.ExpectNoPingAsync(pair.A, pair.B.TunnelV4);
        await pair.ExpectNoPingAsync(pair.B, pair.A.TunnelV6);

        // Re-adding it restores the tunnel (a fresh handshake; B may still be in its retry back-off).
        await pair.A.Peer.SetAsync("peer", pair.B.Keys.PublicKey, "allowed-ips", $"{pair.B.TunnelV4}/32,{pair.B.TunnelV6}/128",
            "endpoint", pair.B.Endpoint(EndpointFamily.V4).ToString());
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false, deadline: TimeSpan.FromSeconds(15));
    }

    private static async Task AddNetworksBehindBAsync(TunnelPair pair)
    {
        await pair.B.Peer.AddAddressAsync($"{ExtraV4}/32");
        await pair.B.Peer.AddAddressAsync($"{ExtraV6}/128");
        await pair.A.Namespace.ExecCheckedAsync(["ip", "route", "add", "10.233.0.0/24", "dev", pair.A.Peer.InterfaceName]);
        await pair.A.Namespace.ExecCheckedAsync(["ip", "-6", "route", "add", "fd00:233::/64", "dev", pair.A.Peer.InterfaceName]);
        // B's replies from 10.233.0.1 go to A's tunnel address, which B already allows; A's pings
        // sourced from its own tunnel addresses need nothing more on B.
    }
}
