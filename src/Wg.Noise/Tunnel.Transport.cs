// Transport data (whitepaper §5.4.6): encrypting packets for the peer, decrypting its packets, and
// draining packets queued during a handshake.
using System.Buffers.Binary;
using WgSharp.Noise.Crypto;
using WgSharp.Noise.Messages;

namespace WgSharp.Noise;

public sealed partial class Tunnel
{
    /// <summary>The largest IP packet WireGuard carries.</summary>
    public const int MaxPacketSize = 65535;

    /// <summary>
    /// Encrypts an IP packet for this peer into destination (at least packet length + 48 bytes: header,
    /// up to 15 bytes of padding and the tag). An empty packet is a keepalive. Without a session the
    /// packet is queued and, unless one is already under way, a handshake initiation is returned instead.
    /// The packet may already sit at destination[16..] (encryption in place).
    /// </summary>
    public TunnelResult Encapsulate(scoped ReadOnlySpan<byte> packet, Span<byte> destination)
    {
        if (packet.Length > MaxPacketSize)
        {
            return DropResult(DropReason.PacketTooLarge);
        }

        if (TryReserveSend(out SendReservation reservation))
        {
            return TrySeal(ref reservation, packet, destination, out int length)
                ? TunnelResult.WriteToNetwork(destination[..length])
                : TunnelResult.Drop(DropReason.SessionErased);
        }

        return QueueForHandshake(packet, destination);
    }

    /// <summary>
    /// Takes the next counter of the current session for one packet, or returns false when there is no
    /// usable session (then call <see cref="QueueForHandshake"/>). Call in send order: counters must
    /// reach the peer roughly in order to stay inside its replay window. A reservation taken must end in
    /// <see cref="TrySeal"/> or <see cref="SendReservation.Abandon"/>: until then the session's keys stay.
    /// </summary>
    public bool TryReserveSend(out SendReservation reservation)
    {
        Session? session = _current;
        if (session is not null && !session.IsExpired(Now) && session.TryReserveCounter(out ulong counter))
        {
            reservation = new SendReservation(session, counter);
            return true;
        }

        reservation = default;
        return false;
    }

    /// <summary>
    /// Encrypts a packet under a reservation into destination (see <see cref="Encapsulate"/>), ending the
    /// reservation, and gives the datagram length. False when the session was erased since the reservation
    /// (a rekey, expiry, link down, key change or peer removal): nothing is written and the drop is counted
    /// (<see cref="DropReason.SessionErased"/>). Safe on any thread, for many packets of the same peer at once.
    /// </summary>
    public bool TrySeal(ref SendReservation reservation, scoped ReadOnlySpan<byte> packet, Span<byte> destination, out int length)
    {
        ulong counter = reservation.Counter;
        Session session = reservation.Take();
        try
        {
            BeforeSealForTests?.Invoke();

            // The reservation holds the keys, so they are intact; but a packet on a session its owner
            // erased must not leave: the peer may have erased it too, and §6.3 says erased keys are gone.
            if (session.IsErased)
            {
                CountDrop(DropReason.SessionErased);
                length = 0;
                return false;
            }

            length = session.Seal(counter, packet, PaddedLength(packet.Length), destination);
        }
        finally
        {
            session.ReleaseKeys();
        }

        OnTransportSent(session, counter, isKeepalive: packet.IsEmpty, length, Now);
        return true;
    }

    /// <summary>A test seam: runs between a reservation and its seal, on the sealing thread.</summary>
    internal Action? BeforeSealForTests { get; set; }

    /// <summary>A test seam: runs while a transport message's session keys are held, just before decryption.</summary>
    internal Action? BeforeOpenForTests { get; set; }

    /// <summary>
    /// Holds a packet (if any) until a handshake completes and, unless one is under way, returns the
    /// initiation to send. An empty packet queues nothing: it only asks for a handshake.
    /// </summary>
    public TunnelResult QueueForHandshake(scoped ReadOnlySpan<byte> packet, Span<byte> destination)
    {
        if (!packet.IsEmpty && !_queue.Enqueue(packet))
        {
            CountDrop(DropReason.QueueOverflow);
        }

        lock (_lock)
        {
            return _attemptActive ? TunnelResult.Done : InitiateHandshake(destination, Now, isRetry: false);
        }
    }

    /// <summary>
    /// Processes a datagram the directory routed to this peer, or, with an empty datagram, sends the next
    /// packet queued during a handshake: call again with an empty input until Done after any result.
    /// </summary>
    public TunnelResult Decapsulate(scoped Span<byte> datagram, Span<byte> destination)
    {
        if (datagram.IsEmpty)
        {
            return SendQueued(destination);
        }

        if (!MessageParser.TryGetType(datagram, out MessageType type))
        {
            return DropResult(DropReason.MalformedMessage);
        }

        switch (type)
        {
            case MessageType.TransportData:
                TransportDataMessage.TryRead(datagram, out TransportDataMessage transport);
                return DecapsulateTransport(transport, datagram.Length, destination);
            case MessageType.HandshakeResponse:
                HandshakeResponseMessage.TryRead(datagram, out HandshakeResponseMessage response);
                return ConsumeResponse(response, destination);
            case MessageType.CookieReply:
                CookieReplyMessage.TryRead(datagram, out CookieReplyMessage reply);
                return ConsumeCookieReply(reply);
            default:
                // Initiations need the interface's identity first: they go through TunnelDirectory.Receive.
                return DropResult(DropReason.UnexpectedHandshakeMessage);
        }
    }

    /// <summary>The size a packet is padded to: a multiple of 16, but never beyond the MTU (§5.4.6).</summary>
    private int PaddedLength(int length)
    {
        int padded = (length + 15) & ~15;
        int mtu = _mtu;
        return mtu > 0 && padded > mtu ? Math.Max(mtu, length) : padded;
    }

    private TunnelResult SendQueued(Span<byte> destination)
    {
        Session? session = _current;
        if (_queue.Count == 0 || session is null || session.IsExpired(Now))
        {
            return TunnelResult.Done;
        }

        // Dequeue straight into the plaintext position so encryption runs in place.
        Span<byte> slot = destination[TransportDataMessage.HeaderSize..];
        int length = _queue.TryDequeue(slot);
        return length < 0 ? TunnelResult.Done : Encapsulate(slot[..length], destination);
    }

    private TunnelResult DecapsulateTransport(scoped TransportDataMessage message, int datagramLength, Span<byte> destination)
    {
        TimeSpan now = Now;
        uint index = message.ReceiverIndex;
        Session? session = FindSession(index);
        if (session is null)
        {
            return DropResult(DropReason.UnknownReceiverIndex);
        }

        if (session.IsExpired(now))
        {
            return DropResult(DropReason.SessionExpired);
        }

        // §5.4.6 order: the cheap replay check, then authentication, then marking the counter seen.
        ulong counter = message.Counter;
        if (!session.IsCounterAcceptable(counter))
        {
            return DropResult(DropReason.Replay);
        }

        ReadOnlySpan<byte> ciphertext = message.Ciphertext;
        int plainLength = ciphertext.Length - Aead.TagSize;
        if (destination.Length < plainLength)
        {
            CryptoErrors.ThrowDestinationTooSmall();
        }

        // Held across the decryption so a concurrent erase cannot zero the key under it (a packet forged under
        // the all-zero key would then authenticate); an erased session opens nothing.
        if (!session.TryAcquireKeys())
        {
            return DropResult(DropReason.SessionExpired);
        }

        bool opened;
        try
        {
            BeforeOpenForTests?.Invoke();
            opened = session.Open(counter, ciphertext, destination);
        }
        finally
        {
            session.ReleaseKeys();
        }

        if (!opened)
        {
            return DropResult(DropReason.DecryptionFailed);
        }

        if (!session.MarkCounterSeen(counter))
        {
            return DropResult(DropReason.Replay);
        }

        AddRx(datagramLength);
        if (session == _next)
        {
            ConfirmNextSession(session);
        }

        OnTransportReceived(session, isKeepalive: plainLength == 0, now);
        if (plainLength == 0)
        {
            return TunnelResult.Done; // a keepalive
        }

        int packetLength = InnerPacketLength(destination[..plainLength], out bool isIPv6);
        if (packetLength <= 0)
        {
            return DropResult(DropReason.InvalidInnerPacket);
        }

        return TunnelResult.WriteToTunnel(destination[..packetLength], isIPv6);
    }

    // The length of the IP packet inside the padded plaintext, from its own header; 0 if it is not one.
    private static int InnerPacketLength(ReadOnlySpan<byte> plaintext, out bool isIPv6)
    {
        isIPv6 = false;
        switch (plaintext[0] >> 4)
        {
            case 4 when plaintext.Length >= 20:
                int total = BinaryPrimitives.ReadUInt16BigEndian(plaintext[2..]);
                return total >= 20 && total <= plaintext.Length ? total : 0;
            case 6 when plaintext.Length >= 40:
                isIPv6 = true;
                int length = 40 + BinaryPrimitives.ReadUInt16BigEndian(plaintext[4..]);
                return length <= plaintext.Length ? length : 0;
            default:
                return 0;
        }
    }

    private Session? FindSession(uint localIndex)
    {
        if (_current is { } current && current.LocalIndex == localIndex)
        {
            return current;
        }

        if (_next is { } next && next.LocalIndex == localIndex)
        {
            return next;
        }

        return _previous is { } previous && previous.LocalIndex == localIndex ? previous : null;
    }

    // The responder may send with a new session only once the initiator has used it (§5.4.5, "key
    // confirmation"): the first packet on `next` promotes it to current.
    private void ConfirmNextSession(Session session)
    {
        lock (_lock)
        {
            if (_next != session)
            {
                return;
            }

            DeleteSession(SessionSlot.Previous);
            _previous = _current;
            _current = session;
            _next = null;
            OnHandshakeComplete();
        }
    }
}
