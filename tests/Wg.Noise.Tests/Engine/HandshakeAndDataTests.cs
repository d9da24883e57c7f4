// Two engines talking in memory: handshakes in both roles, data both ways, PSK, simultaneous
// initiation, replayed initiations, transport replay and reordering, wrong mac1.
using WgSharp.Noise.Keys;

namespace WgSharp.Noise.Tests.Engine;

public class HandshakeAndDataTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Handshake_then_data_flows_both_ways(bool aInitiates)
    {
        using var pair = new TunnelPair();
        (TunnelPair.Side initiator, TunnelPair.Side responder) = aInitiates ? (pair.A, pair.B) : (pair.B, pair.A);

        pair.NetworkUp = false;
        pair.Send(initiator, Packets.IPv4(100, marker: 1));
        TunnelResult response = pair.DeliverRaw(responder, initiator.Sent.Single());
        Assert.Equal(TunnelOperation.WriteToNetwork, response.Operation);
        Assert.Null(responder.Tunnel.LastHandshake); // answered, not yet confirmed by the initiator
        pair.NetworkUp = true;
        pair.Handle(responder, response);
        Assert.NotNull(initiator.Tunnel.LastHandshake);
        Assert.NotNull(responder.Tunnel.LastHandshake);

        // initiation, response, then the queued packet (no extra keepalive needed)
        Assert.Equal(1, initiator.SentOfType(1));
        Assert.Equal(1, responder.SentOfType(2));
        Assert.Single(responder.Delivered);
        Assert.Equal(1, Packets.Marker(responder.Delivered[0]));
        Assert.True(initiator.Tunnel.HasSession);
        Assert.True(responder.Tunnel.HasSession); // confirmed by the data packet

        pair.Send(responder, Packets.IPv6(60));
        pair.Send(initiator, Packets.IPv4(1400, marker: 2));
        Assert.Single(initiator.Delivered);
        Assert.Equal(100, initiator.Delivered[0].Length);
        Assert.Equal(2, responder.Delivered.Count);
        Assert.Equal(1420, responder.Delivered[1].Length);
        Assert.NotNull(initiator.Tunnel.LastHandshake);
        Assert.True(initiator.Tunnel.TxBytes > 0 && responder.Tunnel.RxBytes == initiator.Tunnel.TxBytes);
    }

    [Fact]
    public void Transport_plaintext_is_padded_to_16_bytes()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(1));
        byte[] data = pair.A.Sent.Last(d => d[0] == 4);
        Assert.Equal(16 + 32 + 16, data.Length); // 21-byte packet padded to 32, plus header and tag

        pair.Send(pair.A, []);
        Assert.Equal(32, pair.A.Sent.Last().Length); // keepalive: header and tag only
    }

    [Fact]
    public void Padding_never_exceeds_the_mtu()
    {
        using var pair = new TunnelPair();
        pair.A.Tunnel.Mtu = 1420;
        pair.Send(pair.A, Packets.IPv4(1399)); // 1419 bytes would pad to 1424
        Assert.Equal(1420 + 32, pair.A.Sent.Last().Length);
        Assert.Equal(1419, pair.B.Delivered.Single().Length);
    }

    [Fact]
    public void Matching_preshared_keys_work_and_mismatched_ones_do_not()
    {
        using PresharedKey psk = PresharedKey.Generate(SystemRandomSource.Instance);
        using (var good = new TunnelPair(psk, psk))
        {
            good.Send(good.A, Packets.IPv4(10));
            Assert.Single(good.B.Delivered);
            Assert.True(good.A.Tunnel.HasPresharedKey);
        }

        using PresharedKey other = PresharedKey.Generate(SystemRandomSource.Instance);
        using var bad = new TunnelPair(psk, other);
        bad.Send(bad.A, Packets.IPv4(10));
        Assert.Equal(1, bad.B.SentOfType(2)); // the responder cannot tell ...
        Assert.Contains(DropReason.HandshakeDecryptionFailed, bad.A.Drops); // ... but the initiator can
        Assert.False(bad.A.Tunnel.HasSession);
        Assert.Null(bad.A.Tunnel.LastHandshake);
        Assert.Null(bad.B.Tunnel.LastHandshake); // answered, never confirmed: not a handshake
        Assert.Empty(bad.B.Delivered);

        using var oneSided = new TunnelPair(psk, null);
        oneSided.Send(oneSided.A, Packets.IPv4(10));
        Assert.Empty(oneSided.B.Delivered);
    }

    [Fact]
    public void Simultaneous_initiation_converges_to_working_sessions()
    {
        using var pair = new TunnelPair();
        pair.NetworkUp = false;
        pair.Send(pair.A, Packets.IPv4(10, marker: 1));
        pair.Send(pair.B, Packets.IPv4(10, marker: 2));
        byte[] initA = pair.A.Sent.Single(d => d[0] == 1);
        byte[] initB = pair.B.Sent.Single(d => d[0] == 1);

        // Both initiations cross on the wire.
        pair.NetworkUp = true;
        pair.Handle(pair.B, pair.DeliverRaw(pair.B, initA));
        pair.Handle(pair.A, pair.DeliverRaw(pair.A, initB));

        // Retransmissions settle it; both queued packets arrive and traffic flows.
        pair.Run(TimeSpan.FromSeconds(12), TimeSpan.FromMilliseconds(100));
        Assert.Contains(pair.B.Delivered, p => Packets.Marker(p) == 1);
        Assert.Contains(pair.A.Delivered, p => Packets.Marker(p) == 2);
        pair.Send(pair.A, Packets.IPv4(10, marker: 3));
        pair.Send(pair.B, Packets.IPv4(10, marker: 4));
        Assert.Contains(pair.B.Delivered, p => Packets.Marker(p) == 3);
        Assert.Contains(pair.A.Delivered, p => Packets.Marker(p) == 4);
    }

    [Fact]
    public void Replayed_initiation_is_rejected()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(10));
        byte[] initiation = pair.A.Sent.First(d => d[0] == 1);

        pair.Clock.Advance(TimeSpan.FromSeconds(1));
        TunnelResult result = pair.DeliverRaw(pair.B, initiation);
        Assert.Equal(TunnelOperation.Drop, result.Operation);
        Assert.Equal(DropReason.StaleTimestamp, result.DropReason);

        // The existing session is untouched by the replay.
        pair.Send(pair.A, Packets.IPv4(10, marker: 9));
        Assert.Equal(9, Packets.Marker(pair.B.Delivered.Last()));
    }

    [Fact]
    public void Initiations_faster_than_the_flood_limit_are_dropped()
    {
        using var pair = new TunnelPair();
        pair.NetworkUp = false;
        pair.Send(pair.A, Packets.IPv4(10));
        byte[] first = pair.A.Sent.Last();

        // A second initiation with a newer timestamp (TAI64N is whitened to ~16.7 ms steps).
        pair.Clock.Advance(TimeSpan.FromMilliseconds(40));
        pair.A.Tunnel.ClearSessions();
        pair.Send(pair.A, Packets.IPv4(10));
        byte[] second = pair.A.Sent.Last();
        Assert.Equal(1, first[0]);
        Assert.Equal(1, second[0]);

        Assert.Equal(TunnelOperation.WriteToNetwork, pair.DeliverRaw(pair.B, first).Operation);
        pair.Clock.Advance(TimeSpan.FromMilliseconds(5));
        Assert.Equal(DropReason.InitiationFlood, pair.DeliverRaw(pair.B, second).DropReason);
        pair.Clock.Advance(TimeSpan.FromMilliseconds(20));
        Assert.Equal(TunnelOperation.WriteToNetwork, pair.DeliverRaw(pair.B, second).Operation);
    }

    [Fact]
    public void Transport_replays_are_rejected_and_reordering_within_the_window_is_accepted()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(10, marker: 0));
        pair.NetworkUp = false;
        for (int i = 1; i <= 50; i++)
        {
            pair.Send(pair.A, Packets.IPv4(10, marker: i));
        }

        List<byte[]> captured = pair.A.Sent.Where(d => d[0] == 4).Skip(1).ToList();
        Assert.Equal(50, captured.Count);

        // Deliver in reverse order: all accepted.
        for (int i = captured.Count - 1; i >= 0; i--)
        {
            Assert.Equal(TunnelOperation.WriteToTunnelV4, pair.DeliverRaw(pair.B, captured[i]).Operation);
        }

        // Replays of any of them are dropped.
        foreach (byte[] datagram in captured)
        {
            TunnelResult replay = pair.DeliverRaw(pair.B, datagram);
            Assert.Equal(DropReason.Replay, replay.DropReason);
        }

        Assert.Equal(50, pair.B.Tunnel.Drops[DropReason.Replay]);
    }

    [Fact]
    public void Wrong_mac1_is_dropped_before_any_work()
    {
        using var pair = new TunnelPair();
        pair.NetworkUp = false;
        pair.Send(pair.A, Packets.IPv4(10));
        byte[] initiation = pair.A.Sent.Single();
        initiation[120] ^= 1; // inside mac1
        TunnelResult result = pair.DeliverRaw(pair.B, initiation);
        Assert.Equal(DropReason.InvalidMac1, result.DropReason);
        Assert.Equal(1, pair.B.Directory.Drops[DropReason.InvalidMac1]);

        // An initiation for someone else's key (valid mac1 for the wrong responder) is refused the same way.
        using var third = new TunnelPair();
        third.NetworkUp = false;
        third.Send(third.A, Packets.IPv4(10));
        Assert.Equal(DropReason.InvalidMac1, pair.DeliverRaw(pair.B, third.A.Sent.Single()).DropReason);
    }

    [Fact]
    public void Unknown_peer_is_refused()
    {
        using var pair = new TunnelPair();
        pair.B.Directory.RemovePeer(pair.A.PublicKey);
        pair.NetworkUp = false;
        pair.Send(pair.A, Packets.IPv4(10));
        Assert.Equal(DropReason.UnknownPeer, pair.DeliverRaw(pair.B, pair.A.Sent.Single()).DropReason);
    }

    [Fact]
    public void Queue_keeps_the_newest_packets_while_waiting_for_a_handshake()
    {
        using var pair = new TunnelPair();
        pair.NetworkUp = false;
        for (int i = 0; i < WireGuardConstants.MaxQueuedPackets + 10; i++)
        {
            pair.Send(pair.A, Packets.IPv4(10, marker: i));
        }

        Assert.Equal(10, pair.A.Tunnel.Drops[DropReason.QueueOverflow]);
        pair.NetworkUp = true;
        pair.Run(TimeSpan.FromSeconds(6), TimeSpan.FromMilliseconds(100));
        Assert.Equal(WireGuardConstants.MaxQueuedPackets, pair.B.Delivered.Count);
        Assert.Equal(10, Packets.Marker(pair.B.Delivered[0]));
    }
}
