// Erasing a session (§6.3) while another thread is between reserving a counter and sealing, or between
// finding a session and opening with it: no packet may be sealed under, or authenticated by, a key
// being erased; keys are zeroed once the last user lets go.
using System.Buffers.Binary;
using WgSharp.Noise.Crypto;
using WgSharp.Noise.Messages;

namespace WgSharp.Noise.Tests.Engine;

public class SessionEraseTests
{
    private static readonly byte[] SendKey = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly byte[] ReceiveKey = Enumerable.Range(101, 32).Select(i => (byte)i).ToArray();

    [Fact]
    public void A_session_erased_between_reservation_and_seal_sends_nothing_and_counts_the_drop()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(64, marker: 1));
        Assert.Single(pair.B.Delivered);

        Assert.True(pair.A.Tunnel.TryReserveSend(out SendReservation reservation));
        pair.A.Tunnel.ClearSessions();
        byte[] destination = new byte[256];
        Assert.False(pair.A.Tunnel.TrySeal(ref reservation, Packets.IPv4(64), destination, out int length));
        Assert.Equal(0, length);
        Assert.False(reservation.IsValid);
        Assert.All(destination, b => Assert.Equal(0, b)); // nothing sealed, not even a header
        Assert.Equal(1, pair.A.Tunnel.Drops[DropReason.SessionErased]);
        Assert.Equal(1, pair.A.Directory.Drops[DropReason.SessionErased]);
    }

    [Fact]
    public void Encapsulate_whose_session_is_erased_before_the_seal_drops_the_packet()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(64, marker: 1));
        int sentBefore = pair.A.Sent.Count;

        // The seam runs on the sealing thread right after the reservation, as a concurrent rekey would.
        pair.A.Tunnel.BeforeSealForTests = () => pair.A.Tunnel.ClearSessions();
        TunnelResult result = pair.A.Tunnel.Encapsulate(Packets.IPv4(64, marker: 2), pair.A.Buffer);

        Assert.Equal(TunnelOperation.Drop, result.Operation);
        Assert.Equal(DropReason.SessionErased, result.DropReason);
        Assert.Equal(sentBefore, pair.A.Sent.Count);
        Assert.Equal(1, pair.A.Tunnel.Drops[DropReason.SessionErased]);
    }

    [Fact]
    public void A_packet_forged_under_the_zero_key_does_not_authenticate_while_its_session_is_erased_mid_open()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(64, marker: 1));
        byte[] genuine = pair.A.Sent[^1];
        Assert.Equal((byte)MessageType.TransportData, genuine[0]);
        uint receiverIndex = BinaryPrimitives.ReadUInt32LittleEndian(genuine.AsSpan(TransportDataMessage.ReceiverIndexOffset));

        // What an attacker sends once keys might be zero: a valid inner packet sealed under 32 zero bytes.
        byte[] forged = SealTransport(new byte[32], receiverIndex, counter: 1000, Packets.IPv4(60, marker: 666));

        pair.B.Tunnel.BeforeOpenForTests = () => pair.B.Tunnel.ClearSessions();
        TunnelResult result = pair.DeliverRaw(pair.B, forged);

        Assert.Equal(TunnelOperation.Drop, result.Operation);
        Assert.Equal(DropReason.DecryptionFailed, result.DropReason);
        Assert.Single(pair.B.Delivered);
    }

    [Fact]
    public void A_session_erased_while_a_packet_is_opened_still_opens_it_with_the_real_key_and_then_refuses_more()
    {
        using var pair = new TunnelPair();
        pair.Send(pair.A, Packets.IPv4(64, marker: 1));
        Assert.True(pair.A.Tunnel.TryReserveSend(out SendReservation reservation));
        byte[] buffer = new byte[256];
        Assert.True(pair.A.Tunnel.TrySeal(ref reservation, Packets.IPv4(64, marker: 2), buffer, out int length));
        byte[] second = buffer[..length];

        pair.B.Tunnel.BeforeOpenForTests = () => pair.B.Tunnel.ClearSessions();
        TunnelResult result = pair.DeliverRaw(pair.B, second);
        Assert.Equal(TunnelOperation.WriteToTunnelV4, result.Operation);

        pair.B.Tunnel.BeforeOpenForTests = null;
        Assert.Equal(TunnelOperation.Drop, pair.DeliverRaw(pair.B, second).Operation);
    }

    [Fact]
    public void Keys_held_by_a_reservation_survive_an_erase_and_are_zeroed_by_the_last_release()
    {
        var session = new Session(1, 2, SendKey, ReceiveKey, isInitiator: true, TimeSpan.Zero);
        byte[] packet = Packets.IPv4(44);

        Assert.True(session.TryReserveCounter(out ulong first));
        Assert.True(session.TryReserveCounter(out ulong second));
        session.Erase();
        Assert.True(session.IsErased);
        Assert.False(session.TryReserveCounter(out _));
        Assert.False(session.TryAcquireKeys());

        // Two holders: the keys stay whole until both have released.
        Assert.Equal(SealTransport(SendKey, 2, first, packet), SealWith(session, first, packet));
        session.ReleaseKeys();
        Assert.Equal(SealTransport(SendKey, 2, second, packet), SealWith(session, second, packet));
        session.ReleaseKeys();

        // Now gone: what the session would compute is what the zero key computes (sealed here only to look).
        Assert.Equal(SealTransport(new byte[32], 2, second, packet), SealWith(session, second, packet));
    }

    [Fact]
    public void Erasing_an_unused_session_zeroes_its_keys_at_once()
    {
        var session = new Session(1, 2, SendKey, ReceiveKey, isInitiator: true, TimeSpan.Zero);
        byte[] packet = Packets.IPv4(44);
        session.Erase();
        Assert.Equal(SealTransport(new byte[32], 2, 0, packet), SealWith(session, 0, packet));
    }

    [Fact]
    public void An_abandoned_reservation_releases_its_keys_once()
    {
        var session = new Session(1, 2, SendKey, ReceiveKey, isInitiator: true, TimeSpan.Zero);
        byte[] packet = Packets.IPv4(44);
        Assert.True(session.TryReserveCounter(out ulong counter));
        var reservation = new SendReservation(session, counter);
        session.Erase();
        Assert.Equal(SealTransport(SendKey, 2, counter, packet), SealWith(session, counter, packet));

        SendReservation.Abandon(ref reservation);
        Assert.False(reservation.IsValid);
        SendReservation.Abandon(ref reservation); // a no-op: it must not release someone else's hold
        Assert.Equal(SealTransport(new byte[32], 2, counter, packet), SealWith(session, counter, packet));
    }

    private static byte[] SealWith(Session session, ulong counter, byte[] packet)
    {
        int padded = (packet.Length + 15) & ~15;
        byte[] destination = new byte[TransportDataMessage.HeaderSize + padded + Aead.TagSize];
        return destination[..session.Seal(counter, packet, padded, destination)];
    }

    private static byte[] SealTransport(byte[] key, uint receiverIndex, ulong counter, byte[] packet)
    {
        int padded = (packet.Length + 15) & ~15;
        byte[] datagram = new byte[TransportDataMessage.HeaderSize + padded + Aead.TagSize];
        var message = TransportDataMessage.Create(datagram);
        message.ReceiverIndex = receiverIndex;
        message.Counter = counter;
        packet.CopyTo(datagram.AsSpan(TransportDataMessage.HeaderSize));
        TransportAead.Seal(key, counter, datagram.AsSpan(TransportDataMessage.HeaderSize, padded), datagram.AsSpan(TransportDataMessage.HeaderSize));
        return datagram;
    }
}
