// IPv4 and IPv6 ping in both directions through the tunnel, over an IPv4 and over an IPv6 underlay.
using WgSharp.Interop.Tests.Harness;

namespace WgSharp.Interop.Tests.Pairs;

public sealed class PingTests
{
    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.PairFamilyData), MemberType = typeof(Implementations))]
    public async Task PingBothWaysBothFamilies(Implementation a, Implementation b, EndpointFamily underlay)
    {
        using var pair = await TunnelPair.CreateAsync(a, b, new TunnelOptions { EndpointFamily = underlay });

        // A initiates the handshake; then B answers and initiates in turn over the same session.
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false);
        await pair.ExpectPingAsync(pair.B, pair.A, v6: false);
        await pair.ExpectPingAsync(pair.A, pair.B, v6: true);
        await pair.ExpectPingAsync(pair.B, pair.A, v6: true);

        // The session really runs over the requested underlay family.
        var dumpA = await pair.A.Peer.ShowDumpAsync();
        var endpoint = dumpA.Peer(pair.B.Keys.PublicKey).Endpoint;
        await pair.ExpectAsync(Equals(endpoint, pair.B.Endpoint(underlay)), $"A's endpoint for B is {endpoint}, expected {pair.B.Endpoint(underlay)}");
    }

    [Theory(Timeout = 60_000)]
    [MemberData(nameof(Implementations.PairData), MemberType = typeof(Implementations))]
    public async Task ResponderInitiatedHandshake(Implementation a, Implementation b)
    {
        // B speaks first here, so each implementation is tested as initiator and as responder.
        using var pair = await TunnelPair.CreateAsync(a, b);
        await pair.ExpectPingAsync(pair.B, pair.A, v6: true);
        await pair.ExpectPingAsync(pair.A, pair.B, v6: false);
    }
}
