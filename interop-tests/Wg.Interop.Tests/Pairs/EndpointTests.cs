// Endpoint learning (whitepaper §2.1 "roaming"): a peer's endpoint follows the source of its latest
// authenticated packet, whether its address or its listen port changed.
using System.Net;
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Pairs;

public sealed class EndpointTests
{
    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.PairFamilyData), MemberType = typeof(Implementations))]
    public async Task FarSideAddressChangeIsFollowed(Implementation a, Implementation b, EndpointFamily underlay)
    {
        using var pair = await TunnelPair.CreateAsync(a, b, new TunnelOptions { EndpointFamily = underlay });
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false);

        // B moves to another address on the same link; A still points at the old one.
        var old = pair.B.Endpoint(underlay);
        if (underlay == EndpointFamily.V6)
        {
            await pair.B.Underlay.ChangeV6Async("2001:db8:1::3/64");
        }
        else
        {
            await pair.B.Underlay.ChangeV4Async("192.0.2.3/24");
        }

        var moved = pair.B.Endpoint(underlay);
        Assert.NotEqual(old, moved);
        if (b.Kind == ImplementationKind.WireguardGo)
        {
            // wireguard-go v0.0.20220316 keeps sending from its cached ("sticky") source address and
            // only drops that cache when sendmsg fails with EINVAL; for a removed address this kernel
            // answers ENETUNREACH, so the old daemon stays mute until its endpoint is set again (which
            // clears the cache). v0.0.20230223 and the kernel module recover by themselves. The check
            // below is about A learning B's new endpoint, so unstick the old daemon first.
            await pair.B.Peer.SetAsync("peer", pair.A.Keys.PublicKey, "endpoint", pair.A.Endpoint(underlay).ToString());
        }

        // B speaks first from its new address: A must learn it from the authenticated packet.
        await pair.ExpectPingAsync(pair.B, pair.A, v6: false);
        var seen = (await pair.A.Peer.ShowDumpAsync()).Peer(pair.B.Keys.PublicKey).Endpoint;
        await pair.ExpectAsync(Equals(seen, moved), $"A's endpoint for B is {seen} after B moved from {old} to {moved}");

        // And traffic A starts now reaches B at the new address.
        await pair.ExpectPingAsync(pair.A, pair.B, v6: true);
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.PairData), MemberType = typeof(Implementations))]
    public async Task LiveListenPortChangeIsFollowed(Implementation a, Implementation b)
    {
        const int NewPort = 51830;
        using var pair = await TunnelPair.CreateAsync(a, b);
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false);

        await pair.A.Peer.SetAsync("listen-port", NewPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var dumpA = await pair.A.Peer.ShowDumpAsync();
        await pair.ExpectAsync(dumpA.ListenPort == NewPort, $"A reports listen port {dumpA.ListenPort} after setting {NewPort}");

        // A sends from its new port; B must move its endpoint for A there and answer to it.
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false);
        var seen = (await pair.B.Peer.ShowDumpAsync()).Peer(pair.A.Keys.PublicKey).Endpoint;
        var expected = new IPEndPoint(pair.A.Underlay.V4, NewPort);
        await pair.ExpectAsync(Equals(seen, expected), $"B's endpoint for A is {seen}, expected {expected}");
        await pair.ExpectPingAsync(pair.B, pair.A, v6: true);
    }
}
