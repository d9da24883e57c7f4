// The device reports where handshakes came from and whether they completed there (the daemon routes only
// such addresses outside the tunnel), and which endpoint configuration set, apart from the roaming one.
using System.Net;
using WgSharp.Router.Configuration;

namespace WgSharp.Router.Tests.Device;

public sealed class HandshakeSourceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    [Fact]
    public void Both_sides_report_the_completed_handshake_source_and_the_configured_endpoint()
    {
        using var pair = new DevicePair();
        using (DeviceSnapshot before = pair.B.GetSnapshot())
        {
            PeerSnapshot none = Assert.Single(before.Peers);
            Assert.Null(none.HandshakeSource);
            Assert.False(none.HandshakeSourceCompleted);
            Assert.Equal(new IPEndPoint(DevicePair.AddressA, 51820), none.ConfiguredEndpoint);
        }

        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", 1));
        Assert.True(pair.TunB.TryTakeWritten(out _, Wait), "first packet (through the handshake) not delivered");

        // A initiated: B's response completed A's handshake.
        using DeviceSnapshot a = pair.A.GetSnapshot();
        PeerSnapshot fromA = Assert.Single(a.Peers);
        Assert.Equal(new IPEndPoint(DevicePair.AddressB, 51820), fromA.HandshakeSource);
        Assert.True(fromA.HandshakeSourceCompleted);
        Assert.NotEqual(0, fromA.HandshakeSequence);

        // B responded: the handshake completed when A used the session (the packet B just delivered).
        using DeviceSnapshot b = pair.B.GetSnapshot();
        PeerSnapshot fromB = Assert.Single(b.Peers);
        Assert.Equal(new IPEndPoint(DevicePair.AddressA, 51820), fromB.HandshakeSource);
        Assert.True(fromB.HandshakeSourceCompleted);
    }
}
