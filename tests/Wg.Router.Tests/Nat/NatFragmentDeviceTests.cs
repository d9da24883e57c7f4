// Fragments through a device's NAT stage, out of order: the fragments held for their first are sent on when it
// comes (sealed to the peer on the way out, written to the TUN on the way in), translated as it was.
using System.Net;
using WgSharp.Router.Configuration;
using WgSharp.Router.Tests.Device;
using WgSharp.Tun.Net;
using static WgSharp.Router.Tests.Device.RouterMesh;
using static WgSharp.Router.Tests.Nat.NatTestPackets;

namespace WgSharp.Router.Tests.Nat;

public sealed class NatFragmentDeviceTests
{
    [Fact]
    public void Fragments_before_their_first_are_released_to_the_peer_and_to_the_tun_translated()
    {
        using var mesh = new RouterMesh(["10.0.0.2/32", "10.2.0.0/16"], ["10.0.0.3/32", "10.3.0.0/16"]);
        mesh.R.Device.SetRouterConfiguration(new RouterConfiguration
        {
            Rules = [new RouterRule { To = [new PrefixSelector(IPNetwork.Parse("10.2.0.0/16"), false)], Masquerade = true }],
            InterfaceAddresses = [IPAddress.Parse("10.0.0.1")],
        });
        // A session first: the released fragments are sealed at once.
        Assert.Equal("10.0.0.1", SourceOf(Send(mesh.R, mesh.X, Udp("192.168.5.10", 5353, "10.2.0.5", 53))));

        List<byte[]> request = Fragments(Udp("192.168.5.10", 5353, "10.2.0.5", 53, payload: 3000), 1400);
        Assert.Equal(3, request.Count);
        Assert.True(mesh.R.Tun.InjectPacket(request[2]));
        Assert.True(mesh.R.Tun.InjectPacket(request[1]));
        AssertNothing(mesh.X);
        List<byte[]> sent = [Send(mesh.R, mesh.X, request[0])];
        for (int i = 0; i < 2; i++)
        {
            Assert.True(mesh.X.Tun.TryTakeWritten(out byte[] fragment, Wait), "a released fragment did not arrive");
            sent.Add(fragment);
        }
        byte[] whole = Reassemble(sent);
        Assert.Equal("10.0.0.1", SourceOf(whole));
        AssertChecksums(whole);

        List<byte[]> answer = Fragments(Udp("10.2.0.5", 53, "10.0.0.1", 5353, payload: 3000), 1400, id: 8);
        Assert.True(mesh.X.Tun.InjectPacket(answer[1]));
        AssertNothing(mesh.R);
        List<byte[]> received = [Send(mesh.X, mesh.R, answer[0])];
        Assert.True(mesh.R.Tun.TryTakeWritten(out byte[] released, Wait), "the released fragment did not reach the TUN");
        received.Add(released);
        Assert.True(mesh.X.Tun.InjectPacket(answer[2]));
        Assert.True(mesh.R.Tun.TryTakeWritten(out byte[] last, Wait), "the last fragment did not reach the TUN");
        received.Add(last);
        byte[] back = Reassemble(received);
        Assert.Equal("192.168.5.10", DestinationOf(back));
        AssertChecksums(back);
        Assert.Equal(0ul, Counter(mesh.R.Device.GetRouterStatus(0), WgSharp.Router.Device.DeviceDrop.NatDrop));
    }
}
