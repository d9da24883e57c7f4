// The relay path (a packet decrypted from one peer and sealed for another on the receiving thread) against
// a session erased between its reservation and its seal: nothing is sent, the drop is counted.
using System.Net;
using WgSharp.Noise;
using WgSharp.Router.Configuration;
using WgSharp.Router.Tests.Nat;
using WgSharp.Tun.Net;
using static WgSharp.Router.Tests.Device.RouterMesh;

namespace WgSharp.Router.Tests.Device;

public class RelayEraseTests
{
    [Fact]
    public void A_relayed_packet_whose_session_is_erased_before_the_seal_is_dropped_and_counted()
    {
        using var mesh = new RouterMesh(["10.0.0.2/32", "10.2.0.0/16"], ["10.0.0.3/32", "10.3.0.0/16"]);
        mesh.R.Device.SetRouterConfiguration(new RouterConfiguration
        {
            Rules = [new RouterRule
            {
                To = [new PrefixSelector(IPNetwork.Parse("10.3.0.0/16"), false)],
                Input = mesh.X.PublicKey,
                Peer = mesh.Y.PublicKey,
            }],
            InterfaceAddresses = [IPAddress.Parse("10.0.0.1")],
        });

        Send(mesh.X, mesh.Y, NatTestPackets.Udp("10.0.0.2", 5000, "10.3.0.7", 53)); // R's session with Y exists now

        Tunnel toY = mesh.R.Device.FindTunnel(mesh.Y.PublicKey)!;
        int hooked = 0;
        toY.BeforeSealForTests = () =>
        {
            if (Interlocked.Exchange(ref hooked, 1) == 0)
            {
                toY.ClearSessions();
            }
        };

        Assert.True(mesh.X.Tun.InjectPacket(NatTestPackets.Udp("10.0.0.2", 5000, "10.3.0.7", 54)));
        Assert.True(SpinWait.SpinUntil(() => toY.Drops[DropReason.SessionErased] == 1, Wait), "the drop was not counted");
        AssertNothing(mesh.Y);
        Assert.Equal(0, mesh.Y.Device.EngineDrops[DropReason.DecryptionFailed]);

        // The next one goes through a new handshake (a retry may be needed if it comes within 20 ms of the last).
        toY.BeforeSealForTests = null;
        Assert.True(mesh.X.Tun.InjectPacket(NatTestPackets.Udp("10.0.0.2", 5000, "10.3.0.7", 55)));
        Assert.True(mesh.Y.Tun.TryTakeWritten(out byte[] third, TimeSpan.FromSeconds(12)), "nothing relayed after the erase");
        Assert.Equal(55, NatTestPackets.DestinationPortOf(third));
    }
}
