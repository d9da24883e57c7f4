// `Routes = when-up` over in-memory devices on a hand-moved clock: the device handshakes a when-up peer
// by itself, reports it live, notices it gone (no answer to its probes) within the documented time and
// fails over to a less specific route and past ToPeer rules naming it, then fails back when it answers.
using System.Net;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;
using WgSharp.Router.Policy;
using WgSharp.Router.Tests.Nat;
using WgSharp.Tun;
using WgSharp.Tun.Net;
using static WgSharp.Router.Tests.Device.RouterMesh;

namespace WgSharp.Router.Tests.Device;

public class RouterLivenessTests
{
    [Fact]
    public void When_up_peer_fails_over_and_back_with_liveness_events()
    {
        var clock = new ManualClock();
        using var mesh = new RouterMesh(["10.0.0.2/32", "10.50.0.0/16"], ["10.0.0.3/32", "10.0.0.0/8"], clock);
        PublicKey x = mesh.X.PublicKey;
        mesh.R.Device.SetRouterConfiguration(new RouterConfiguration
        {
            Peers = [new RouterPeerOptions(x, "primary", InboundEstablishedOnly: false, RoutesWhenUp: true)],
            Rules = [new RouterRule { To = [new PrefixSelector(IPNetwork.Parse("10.60.0.0/16"), false)], Peer = x }],
        });

        // Never live yet: not a destination, so its prefix falls through to Y's 10.0.0.0/8.
        Assert.Equal("10.50.0.9", NatTestPackets.DestinationOf(Send(mesh.R, mesh.Y, NatTestPackets.Udp("10.0.0.1", 1, "10.50.0.9", 2))));

        // The device handshakes X by itself and reports it live.
        Assert.True(AdvanceUntil(mesh, clock, x, live: true, TimeSpan.FromSeconds(3), out _), "X never became live");
        Send(mesh.R, mesh.X, NatTestPackets.Udp("10.0.0.1", 1, "10.50.0.9", 2));
        Send(mesh.R, mesh.X, NatTestPackets.Udp("10.0.0.1", 1, "10.60.0.1", 2));
        Assert.Contains(new KeyValuePair<PublicKey, bool>(x, true), mesh.R.Device.GetRouterStatus(0).WhenUpPeers);

        // X disappears (its datagrams are lost both ways): noticed after LiveSessionTimeout of silence, within the probe's retries.
        mesh.Network.Filter = (from, to) => !Is(from, mesh.X.Address) && !Is(to, mesh.X.Address);
        Assert.True(AdvanceUntil(mesh, clock, x, live: false, TimeSpan.FromSeconds(25), out TimeSpan down), "X never reported down");
        Assert.InRange(down, PeerLiveness.LiveSessionTimeout - TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(21));
        Assert.Equal("10.50.0.9", NatTestPackets.DestinationOf(Send(mesh.R, mesh.Y, NatTestPackets.Udp("10.0.0.1", 1, "10.50.0.9", 2))));
        Assert.Equal("10.60.0.1", NatTestPackets.DestinationOf(Send(mesh.R, mesh.Y, NatTestPackets.Udp("10.0.0.1", 1, "10.60.0.1", 2))));
        Assert.Contains(new KeyValuePair<PublicKey, bool>(x, false), mesh.R.Device.GetRouterStatus(0).WhenUpPeers);
        // Y answers from X's more specific prefix while X is down: the source check follows the fail-over.
        Assert.Equal("10.0.0.1", NatTestPackets.DestinationOf(Send(mesh.Y, mesh.R, NatTestPackets.Udp("10.50.0.9", 2, "10.0.0.1", 1))));

        // X comes back: the handshake the device keeps retrying gets through within about REKEY_TIMEOUT.
        mesh.Network.Filter = null;
        Assert.True(AdvanceUntil(mesh, clock, x, live: true, TimeSpan.FromSeconds(8), out TimeSpan up), "X never came back");
        Assert.True(up <= TimeSpan.FromSeconds(7), $"failback took {up}");
        Send(mesh.R, mesh.X, NatTestPackets.Udp("10.0.0.1", 1, "10.50.0.9", 2));
        AssertNothing(mesh.Y);
        Assert.Empty(mesh.LivenessEvents);

        // Made unconditional and then when-up again while live (what `wgsharp up` does right after its
        // handshake): subscribers, who start from "not live", hear that it is up.
        mesh.R.Device.SetRouterConfiguration(RouterConfiguration.Empty);
        mesh.R.Device.SetRouterConfiguration(new RouterConfiguration
        {
            Peers = [new RouterPeerOptions(x, "primary", InboundEstablishedOnly: false, RoutesWhenUp: true)],
        });
        Assert.True(AdvanceUntil(mesh, clock, x, live: true, TimeSpan.FromSeconds(2), out _), "a live peer made when-up was never reported up");
    }

    private static bool Is(UdpEndpoint endpoint, IPAddress address) => endpoint.ToIPEndPoint().Address.Equals(address);

    // Moves the clock in 500 ms steps until the expected liveness event for the key arrives; `after` is the fake
    // time that took. Each step waits for three ticks of every device's timer thread (not a fixed real sleep, which
    // on a loaded machine can end before a timer ran at all and so skew the fake time measured): the first sees the
    // new time, the next ones what the datagrams it sent brought back.
    private static bool AdvanceUntil(RouterMesh mesh, ManualClock clock, PublicKey key, bool live, TimeSpan limit, out TimeSpan after)
    {
        TimeSpan start = clock.Elapsed;
        WireGuardDevice[] devices = [mesh.R.Device, mesh.X.Device, mesh.Y.Device];
        while (true)
        {
            long[] ticks = Array.ConvertAll(devices, d => d.TimerTicks);
            for (int wait = 0; wait < 1000; wait++)
            {
                bool ticked = devices.Select((d, i) => d.TimerTicks >= ticks[i] + 3).All(t => t);
                Thread.Sleep(10);
                if (mesh.LivenessEvents.TryDequeue(out (PublicKey Key, bool Live) e))
                {
                    Assert.Equal((key, live), (e.Key, e.Live));
                    after = clock.Elapsed - start;
                    return true;
                }
                if (ticked)
                {
                    break;
                }
            }

            if (clock.Elapsed - start >= limit)
            {
                after = clock.Elapsed - start;
                return false;
            }

            clock.Advance(TimeSpan.FromMilliseconds(500));
        }
    }
}
