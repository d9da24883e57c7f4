// What `wg show` reports about a live session: the latest handshake time and the transfer counters.
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Pairs;

public sealed class StatisticsTests
{
    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.PairData), MemberType = typeof(Implementations))]
    public async Task HandshakeTimeAndTransferCountersFollowTraffic(Implementation a, Implementation b)
    {
        using var pair = await TunnelPair.CreateAsync(a, b);
        var idle = (await pair.A.Peer.ShowDumpAsync()).Peer(pair.B.Keys.PublicKey);
        await pair.ExpectAsync(idle.LatestHandshake is null && idle.RxBytes == 0 && idle.TxBytes == 0,
            $"fresh peer reports handshake {idle.LatestHandshakeUnixSeconds}, rx {idle.RxBytes}, tx {idle.TxBytes}");

        var before = DateTimeOffset.UtcNow;
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false, count: 1);
        var a1 = (await pair.A.Peer.ShowDumpAsync()).Peer(pair.B.Keys.PublicKey);
        var b1 = (await pair.B.Peer.ShowDumpAsync()).Peer(pair.A.Keys.PublicKey);
        foreach (var (name, peer) in new[] { ("A", a1), ("B", b1) })
        {
            // Whole seconds on the wire: allow one second of truncation either way.
            await pair.ExpectAsync(
                peer.LatestHandshake is { } at && at >= before.AddSeconds(-1) && at <= DateTimeOffset.UtcNow.AddSeconds(1),
                $"{name} reports handshake at {peer.LatestHandshake}, expected between {before} and now");
            await pair.ExpectAsync(peer.RxBytes > 0 && peer.TxBytes > 0, $"{name} reports rx {peer.RxBytes}, tx {peer.TxBytes} after a ping");
        }

        // 20 echo requests of 1000 data bytes: each direction carries at least 20 × 1000 more bytes.
        const int Count = 20;
        const int Size = 1000;
        await pair.ExpectPingAsync(pair.A, pair.B, v6: true, count: Count, payloadSize: Size);
        var a2 = (await pair.A.Peer.ShowDumpAsync()).Peer(pair.B.Keys.PublicKey);
        var b2 = (await pair.B.Peer.ShowDumpAsync()).Peer(pair.A.Keys.PublicKey);
        const long Least = Count * Size;
        await pair.ExpectAsync(a2.TxBytes - a1.TxBytes >= Least, $"A tx grew by {a2.TxBytes - a1.TxBytes}, expected >= {Least}");
        await pair.ExpectAsync(a2.RxBytes - a1.RxBytes >= Least, $"A rx grew by {a2.RxBytes - a1.RxBytes}, expected >= {Least}");
        await pair.ExpectAsync(b2.TxBytes - b1.TxBytes >= Least, $"B tx grew by {b2.TxBytes - b1.TxBytes}, expected >= {Least}");
        await pair.ExpectAsync(b2.RxBytes - b1.RxBytes >= Least, $"B rx grew by {b2.RxBytes - b1.RxBytes}, expected >= {Least}");
        // Each side's rx is what the other sent, give or take packets still in flight (none at rest,
        // but a keepalive may land between the two reads).
        await pair.ExpectAsync(Math.Abs(b2.RxBytes - a2.TxBytes) <= 64, $"B rx {b2.RxBytes} vs A tx {a2.TxBytes}");
    }
}
