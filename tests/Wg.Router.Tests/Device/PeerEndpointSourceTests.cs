// The sticky source address of a peer's endpoint is forgotten when the engine's timers ask for it
// (a handshake retransmission), while the remote address and port stay.
using System.Net;
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Router.Device;
using WgSharp.Tun;

namespace WgSharp.Router.Tests.Device;

public class PeerEndpointSourceTests
{
    [Fact]
    public void Resetting_the_source_keeps_the_remote_endpoint()
    {
        using var directory = new TunnelDirectory(TimeProvider.System, SystemRandomSource.Instance);
        using PrivateKey peerKey = PrivateKey.Generate(SystemRandomSource.Instance);
        var peer = new Peer(directory.AddPeer(peerKey.ComputePublicKey()));
        var remote = UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("203.0.113.5"), 51820));
        peer.UpdateEndpointFromPacket(remote.WithSource([192, 0, 2, 1], 3));
        Assert.True(peer.TryGetEndpoint(out UdpEndpoint sticky) && sticky.HasSource);

        peer.ResetEndpointSource();

        Assert.True(peer.TryGetEndpoint(out UdpEndpoint endpoint));
        Assert.False(endpoint.HasSource);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("203.0.113.5"), 51820), endpoint.ToIPEndPoint());
    }
}
