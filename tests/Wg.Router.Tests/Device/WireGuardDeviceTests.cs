// The device pipeline end to end over in-memory edges: handshake and data both ways, ordering,
// cryptokey routing (no route → ICMP, wrong source → drop), atomic configuration, snapshots.
using System.Net;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;

namespace WgSharp.Router.Tests.Device;

public class WireGuardDeviceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(5);

    [Fact]
    public void Packets_cross_both_ways_in_order_after_a_handshake()
    {
        using var pair = new DevicePair();
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", -1));
        Assert.True(pair.TunB.TryTakeWritten(out byte[] first, Wait), "first packet (through the handshake) not delivered");
        Assert.Equal(-1, DevicePair.Marker(first));

        // On an established session a burst keeps its order through the parallel crypto workers.
        for (int i = 0; i < 2000; i++)
        {
            Assert.True(pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", i)));
        }

        for (int i = 0; i < 2000; i++)
        {
            Assert.True(pair.TunB.TryTakeWritten(out byte[] packet, Wait), $"packet {i} not delivered");
            Assert.Equal(i, DevicePair.Marker(packet));
        }

        pair.TunB.InjectPacket(DevicePair.Udp4("10.0.0.2", "10.0.0.1", 7777));
        Assert.True(pair.TunA.TryTakeWritten(out byte[] reply, Wait));
        Assert.Equal(7777, DevicePair.Marker(reply));

        using DeviceSnapshot snapshot = pair.A.GetSnapshot();
        PeerSnapshot peer = Assert.Single(snapshot.Peers);
        Assert.NotNull(peer.LastHandshake);
        Assert.True(peer.TransmitBytes > 2000 * 60);
        Assert.True(peer.ReceiveBytes > 0);
        Assert.Equal(51820, snapshot.ListenPort);
        Assert.Equal([IPNetwork.Parse("10.0.0.2/32")], peer.AllowedIps);
        Assert.Equal(new IPEndPoint(DevicePair.AddressB, 51820), peer.Endpoint);
    }

    [Fact]
    public void Packets_sent_before_the_handshake_are_queued_and_delivered_after_it()
    {
        using var pair = new DevicePair();
        for (int i = 0; i < 50; i++)
        {
            pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", i));
        }

        for (int i = 0; i < 50; i++)
        {
            Assert.True(pair.TunB.TryTakeWritten(out byte[] packet, Wait), $"packet {i} not delivered");
            Assert.Equal(i, DevicePair.Marker(packet));
        }
    }

    [Fact]
    public void A_device_whose_link_is_down_sends_nothing_and_going_down_drops_sessions()
    {
        using var pair = new DevicePair();
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", 1));
        Assert.True(pair.TunB.TryTakeWritten(out _, Wait));

        pair.TunA.SetLinkState(up: false);
        Assert.True(SpinWait.SpinUntil(() => pair.A.GetSnapshot().Peers[0].LastHandshake is not null && !HasSession(pair.A), Wait),
            "sessions survived the link going down");

        // Persistent keepalive would send at once on an up link; on a down link nothing goes out.
        using (var update = new DeviceUpdate())
        {
            update.Peers.Add(new PeerUpdate(pair.KeyB.ComputePublicKey()) { PersistentKeepaliveInterval = 1, UpdateOnly = true });
            pair.A.Apply(update);
        }

        ulong sent = pair.A.GetSnapshot().Peers[0].TransmitBytes;
        // The keepalive is due after 1 s; nothing sent is proven only once the timer thread has ticked after that
        // (on a loaded machine a fixed sleep can pass before it ran at all).
        long due = Environment.TickCount64 + 1200;
        long ticks = 0;
        Assert.True(SpinWait.SpinUntil(() =>
        {
            if (Environment.TickCount64 < due)
            {
                ticks = pair.A.TimerTicks;
                return false;
            }
            return pair.A.TimerTicks >= ticks + 2;
        }, TimeSpan.FromSeconds(30)), "the timer thread did not tick");
        Assert.Equal(sent, pair.A.GetSnapshot().Peers[0].TransmitBytes);

        pair.TunA.SetLinkState(up: true);
        Assert.True(SpinWait.SpinUntil(() => pair.A.GetSnapshot().Peers[0].TransmitBytes > sent, Wait), "nothing sent after the link came up");
    }

    private static bool HasSession(WireGuardDevice device) => device.HasAnySession;

    [Fact]
    public void Packet_to_an_address_no_peer_owns_is_answered_with_icmp_unreachable()
    {
        using var pair = new DevicePair();
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.9.9.9", 1));
        Assert.True(pair.TunA.TryTakeWritten(out byte[] icmp, Wait));
        Assert.Equal(1, icmp[9]);                       // ICMP
        Assert.Equal(new byte[] { 10, 9, 9, 9 }, icmp[12..16]);  // from the unreachable destination
        Assert.Equal(new byte[] { 10, 0, 0, 1 }, icmp[16..20]);  // to the sender
        Assert.Equal(3, icmp[20]);                      // destination unreachable
        Assert.Equal(1, icmp[21]);                      // host unreachable
        Assert.Equal(1, pair.A.Counters[DeviceDrop.NoRoute]);
    }

    [Fact]
    public void Decrypted_packet_from_outside_the_peers_allowed_ips_is_dropped()
    {
        using var pair = new DevicePair();
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", 1));
        Assert.True(pair.TunB.TryTakeWritten(out _, Wait));

        // A claims a source B does not accept from it: A routes it (destination is B's), B refuses it.
        pair.TunA.InjectPacket(DevicePair.Udp4("10.66.0.1", "10.0.0.2", 2));
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", 3));
        Assert.True(pair.TunB.TryTakeWritten(out byte[] next, Wait));
        Assert.Equal(3, DevicePair.Marker(next));
        Assert.Equal(1, pair.B.Counters[DeviceDrop.SourceNotAllowed]);
    }

    [Fact]
    public void A_port_that_cannot_be_bound_refuses_the_whole_update()
    {
        using var pair = new DevicePair();
        using var blocker = pair.Network.Bind(DevicePair.AddressA, null, 4000);
        using PrivateKey newPeer = PrivateKey.Generate(Noise.SystemRandomSource.Instance);

        using var update = new DeviceUpdate { ListenPort = 4000 };
        update.Peers.Add(new PeerUpdate(newPeer.ComputePublicKey()));
        var error = Assert.Throws<ConfigurationException>(() => pair.A.Apply(update));
        Assert.Equal(ConfigurationErrno.AddressInUse, error.Errno);

        using DeviceSnapshot snapshot = pair.A.GetSnapshot();
        Assert.Single(snapshot.Peers); // the new peer was not added
        Assert.Equal(51820, snapshot.ListenPort);
    }

    [Fact]
    public void Changing_the_listen_port_keeps_the_tunnel_working()
    {
        using var pair = new DevicePair();
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", 1));
        Assert.True(pair.TunB.TryTakeWritten(out _, Wait));

        using (var update = new DeviceUpdate { ListenPort = 40000 })
        {
            pair.B.Apply(update);
        }

        using (DeviceSnapshot snapshot = pair.B.GetSnapshot())
        {
            Assert.Equal(40000, snapshot.ListenPort);
        }

        // B speaks first from its new port; A follows it (roaming) and answers there.
        pair.TunB.InjectPacket(DevicePair.Udp4("10.0.0.2", "10.0.0.1", 2));
        Assert.True(pair.TunA.TryTakeWritten(out byte[] fromB, Wait));
        Assert.Equal(2, DevicePair.Marker(fromB));
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", 3));
        Assert.True(pair.TunB.TryTakeWritten(out byte[] fromA, Wait));
        Assert.Equal(3, DevicePair.Marker(fromA));
        using DeviceSnapshot a = pair.A.GetSnapshot();
        Assert.Equal(40000, a.Peers[0].Endpoint!.Port);
    }

    [Fact]
    public void Removing_a_peer_and_replacing_allowed_ips_take_effect()
    {
        using var pair = new DevicePair();
        PublicKey b = pair.KeyB.ComputePublicKey();
        using (var update = new DeviceUpdate())
        {
            var change = new PeerUpdate(b) { ReplaceAllowedIps = true, UpdateOnly = true };
            change.AllowedIpChanges.Add(new AllowedIpChange(IPNetwork.Parse("10.0.1.0/24"), false));
            update.Peers.Add(change);
            pair.A.Apply(update);
        }

        using (DeviceSnapshot snapshot = pair.A.GetSnapshot())
        {
            Assert.Equal([IPNetwork.Parse("10.0.1.0/24")], snapshot.Peers[0].AllowedIps);
        }

        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", 1));
        Assert.True(pair.TunA.TryTakeWritten(out byte[] icmp, Wait)); // no longer routed: unreachable
        Assert.Equal(1, icmp[9]);

        using (var removal = new DeviceUpdate())
        {
            removal.Peers.Add(new PeerUpdate(b) { Remove = true });
            pair.A.Apply(removal);
        }

        using DeviceSnapshot empty = pair.A.GetSnapshot();
        Assert.Empty(empty.Peers);
    }

    [Fact]
    public async Task Close_under_load_returns_promptly()
    {
        using var pair = new DevicePair();
        pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", -1));
        Assert.True(pair.TunB.TryTakeWritten(out _, Wait));
        for (int i = 0; i < 3000; i++)
        {
            pair.TunA.InjectPacket(DevicePair.Udp4("10.0.0.1", "10.0.0.2", i, payload: 1300));
        }

        var closing = System.Diagnostics.Stopwatch.StartNew();
        pair.A.Close("test");
        await pair.A.Completion.WaitAsync(Wait);
        Assert.True(closing.Elapsed < TimeSpan.FromSeconds(2), $"Close took {closing.Elapsed}");
    }

    [Fact]
    public async Task Device_stops_when_its_interface_is_deleted()
    {
        using var pair = new DevicePair();
        pair.TunA.SimulateDeletion();
        await pair.A.Completion.WaitAsync(Wait);
        Assert.Equal("interface deleted", pair.A.StopReason);
    }
}
