// Large tunnel MTUs over a 65535-byte veth: full-size packets with DF set cross in both directions,
// for both inner families. Both reference peers (either way round) carry every tunnel MTU tried here:
// 9000, 16000, 34736 and 65000 (at 65000 the outer UDP datagram, 65000 + 32 + 8 bytes, still fits the
// 16-bit IP length); the cases below pick three of them over both underlay families.
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Pairs;

public sealed class MtuTests
{
    private const int Ipv4IcmpOverhead = 20 + 8;
    private const int Ipv6IcmpOverhead = 40 + 8;

    public static TheoryData<Implementation, Implementation, EndpointFamily, int> JumboData
    {
        get
        {
            var data = new TheoryData<Implementation, Implementation, EndpointFamily, int>();
            foreach (var (a, b) in Implementations.Pairs)
            {
                data.Add(a, b, EndpointFamily.V4, 9000);
                data.Add(a, b, EndpointFamily.V6, 34736);
                data.Add(a, b, EndpointFamily.V4, 65000);
            }

            return data;
        }
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(JumboData))]
    public async Task FullSizePacketsWithDontFragmentCross(Implementation a, Implementation b, EndpointFamily underlay, int tunnelMtu)
    {
        using var pair = await TunnelPair.CreateAsync(a, b, new TunnelOptions
        {
            EndpointFamily = underlay,
            UnderlayMtu = 65535,
            TunnelMtu = tunnelMtu,
        });
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false);

        foreach (var (from, to) in new[] { (pair.A, pair.B), (pair.B, pair.A) })
        {
            await pair.ExpectPingAsync(from, to, v6: false, count: 2, payloadSize: tunnelMtu - Ipv4IcmpOverhead, dontFragment: true);
            await pair.ExpectPingAsync(from, to, v6: true, count: 2, payloadSize: tunnelMtu - Ipv6IcmpOverhead, dontFragment: true);
        }

        // One byte more does not fit the link with DF: proves the MTU in force is the one under test.
        var tooBig = await pair.PingAsync(pair.A, pair.B, v6: false, count: 1, deadline: TimeSpan.FromSeconds(2),
            payloadSize: tunnelMtu - Ipv4IcmpOverhead + 1, dontFragment: true);
        await pair.ExpectAsync(tooBig.Received == 0, $"a {tunnelMtu + 1}-byte DF packet crossed a {tunnelMtu}-byte MTU link: {tooBig}");
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.PairData), MemberType = typeof(Implementations))]
    public async Task MtuRaisedOnRunningTunnelTakesEffect(Implementation a, Implementation b)
    {
        // The daemons learn a changed TUN MTU while running (wireguard-go watches link events).
        using var pair = await TunnelPair.CreateAsync(a, b, new TunnelOptions { UnderlayMtu = 65535, TunnelMtu = 1420 });
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false, payloadSize: 1420 - Ipv4IcmpOverhead, dontFragment: true);
        await pair.A.Peer.SetMtuAsync(9000);
        await pair.B.Peer.SetMtuAsync(9000);
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false, payloadSize: 9000 - Ipv4IcmpOverhead, dontFragment: true);
        await pair.ExpectPingAsync(pair.B, pair.A, v6: true, payloadSize: 9000 - Ipv6IcmpOverhead, dontFragment: true);
    }
}
