// `Relay = kernel|userspace`: where a packet from one peer to an address another peer owns goes when no
// rule decides. Kernel (the default, as wg-quick): to the TUN, whatever else the router does (MSS clamping
// must not move hub traffic past the kernel's FORWARD chain); userspace: straight to the owning peer.
using System.Net;
using WgSharp.Router.Configuration;
using WgSharp.Router.Tests.Nat;
using static WgSharp.Router.Tests.Device.RouterMesh;

namespace WgSharp.Router.Tests.Device;

public class RelayTests
{
    private static readonly string[] XRoutes = ["10.0.0.2/32", "10.2.0.0/16"];
    private static readonly string[] YRoutes = ["10.0.0.3/32", "10.3.0.0/16"];

    private static RouterConfiguration Config(RouterRelay relay, int mssClamp = 0) => new()
    {
        InterfaceAddresses = [IPAddress.Parse("10.0.0.1")],
        MssClamp = mssClamp,
        Relay = relay,
    };

    [Fact]
    public void Kernel_relay_hands_peer_to_peer_traffic_to_the_tun_even_with_the_router_stage_active()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(Config(RouterRelay.Kernel, mssClamp: RouterConfiguration.MssClampAuto));
        Assert.True(mesh.R.Device.HasRouterStage);

        byte[] atTun = Send(mesh.X, mesh.R, NatTestPackets.Udp("10.2.0.5", 5000, "10.3.0.7", 53));
        Assert.Equal("10.3.0.7", NatTestPackets.DestinationOf(atTun));
        AssertNothing(mesh.Y);
    }

    [Fact]
    public void Userspace_relay_sends_peer_to_peer_traffic_straight_to_the_owner_and_back()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(Config(RouterRelay.Userspace));
        Assert.True(mesh.R.Device.HasRouterStage); // nothing else configured: the relay alone needs the stage

        Assert.Equal("10.2.0.5", NatTestPackets.SourceOf(Send(mesh.X, mesh.Y, NatTestPackets.Udp("10.2.0.5", 5000, "10.3.0.7", 53))));
        Assert.Equal("10.2.0.5", NatTestPackets.DestinationOf(Send(mesh.Y, mesh.X, NatTestPackets.Udp("10.3.0.7", 53, "10.2.0.5", 5000))));
        AssertNothing(mesh.R);

        // Traffic for the device itself still goes to the TUN.
        Assert.Equal("10.0.0.1", NatTestPackets.DestinationOf(Send(mesh.X, mesh.R, NatTestPackets.Udp("10.2.0.5", 5000, "10.0.0.1", 53))));
    }

    [Fact]
    public void Without_relay_or_anything_else_the_router_stage_stays_off()
    {
        using var mesh = new RouterMesh(XRoutes, YRoutes);
        mesh.R.Device.SetRouterConfiguration(Config(RouterRelay.Kernel));
        Assert.False(mesh.R.Device.HasRouterStage);
        Assert.Throws<ConfigurationException>(() => mesh.R.Device.SetRouterConfiguration(Config((RouterRelay)7)));
    }
}
