// The handshake side of a peer: sending initiations, answering them, consuming responses and cookie
// replies, and installing the sessions they derive (whitepaper §5.4, §6.1).
using WgSharp.Noise.Messages;

namespace WgSharp.Noise;

public sealed partial class Tunnel
{
    // Guarded by _lock: whether an attempt is retransmitting (§6.4), and the index its initiation uses.
    private bool _attemptActive;
    private bool _hasHandshakeIndex;
    private uint _handshakeIndex;

    /// <summary>Whether a handshake attempt of ours is under way (retransmitting until it completes or gives up).</summary>
    public bool IsHandshaking
    {
        get
        {
            lock (_lock)
            {
                return _attemptActive;
            }
        }
    }

    /// <summary>Starts a handshake now unless one is under way (as `wg set ... endpoint` does to a new peer).</summary>
    public TunnelResult ForceHandshake(Span<byte> destination)
    {
        lock (_lock)
        {
            return _attemptActive ? TunnelResult.Done : InitiateHandshake(destination, Now, isRetry: false);
        }
    }

    // Guarded by _lock.
    private TunnelResult InitiateHandshake(Span<byte> destination, TimeSpan now, bool isRetry)
    {
        if (!_handshake.CanHandshake)
        {
            return DropResult(DropReason.NoIdentity);
        }

        // §6.4: no more than one initiation per REKEY_TIMEOUT, except the timer's own retransmissions.
        if (!isRetry && TryGetTimer(TimerEvent.InitiationSent, out TimeSpan lastSent) && now - lastSent < WireGuardConstants.RekeyTimeout)
        {
            return TunnelResult.Done;
        }

        ReleaseHandshakeIndex();
        _handshakeIndex = _directory.AllocateIndex(this);
        _hasHandshakeIndex = true;

        Span<byte> message = destination[..HandshakeInitiationMessage.Size];
        if (!_handshake.TryCreateInitiation(message, _handshakeIndex, Tai64N.From(_directory.WallClock), _directory.Random))
        {
            ReleaseHandshakeIndex();
            return DropResult(DropReason.NoIdentity);
        }

        _cookies.Stamp(message, HandshakeInitiationMessage.Mac1Offset, now);
        if (!isRetry || !_attemptActive)
        {
            SetTimer(TimerEvent.HandshakeStarted, now);
        }

        _attemptActive = true;
        _wantHandshake = false;
        SetTimer(TimerEvent.InitiationSent, now);
        _retransmitDue = now + WireGuardConstants.RekeyTimeout + Jitter();
        OnHandshakeMessageSent(message.Length, now);
        return TunnelResult.WriteToNetwork(message);
    }

    /// <summary>
    /// The responder's half after the directory decrypted the initiator's static key (§5.4.2–5.4.3):
    /// checks the timestamp, writes the response and installs the new session as `next`.
    /// </summary>
    internal TunnelResult ConsumeInitiation(scoped HandshakeInitiationMessage message, scoped ReadOnlySpan<byte> chainingKey, scoped ReadOnlySpan<byte> hash, Span<byte> destination)
    {
        TimeSpan now = Now;
        Span<byte> sendKey = stackalloc byte[Crypto.Aead.KeySize];
        Span<byte> receiveKey = stackalloc byte[Crypto.Aead.KeySize];
        lock (_lock)
        {
            DropReason reason = _handshake.ConsumeInitiation(message, chainingKey, hash, now);
            if (reason != DropReason.None)
            {
                return DropResult(reason);
            }

            AddRx(HandshakeInitiationMessage.Size);
            OnAuthenticatedPacketReceived(now);

            uint index = _directory.AllocateIndex(this);
            Span<byte> response = destination[..HandshakeResponseMessage.Size];
            if (!_handshake.TryCreateResponse(response, index, _directory.Random, sendKey, receiveKey))
            {
                _directory.ReleaseIndex(index, this);
                return DropResult(DropReason.HandshakeDecryptionFailed);
            }

            _cookies.Stamp(response, HandshakeResponseMessage.Mac1Offset, now);
            var session = new Session(index, _handshake.RemoteIndex, sendKey, receiveKey, isInitiator: false, now);
            Crypto.NoiseCrypto.Zero(sendKey);
            Crypto.NoiseCrypto.Zero(receiveKey);

            // The responder keeps the new session aside until the initiator proves it has it.
            DeleteSession(SessionSlot.Next);
            DeleteSession(SessionSlot.Previous);
            _next = session;
            OnSessionDerived(now);
            OnHandshakeMessageSent(response.Length, now);
            return TunnelResult.WriteToNetwork(response);
        }
    }

    private TunnelResult ConsumeResponse(scoped HandshakeResponseMessage message, Span<byte> destination)
    {
        TimeSpan now = Now;
        Span<byte> sendKey = stackalloc byte[Crypto.Aead.KeySize];
        Span<byte> receiveKey = stackalloc byte[Crypto.Aead.KeySize];
        lock (_lock)
        {
            DropReason reason = _handshake.ConsumeResponse(message, sendKey, receiveKey);
            if (reason != DropReason.None)
            {
                return DropResult(reason);
            }

            // The session takes over the index our initiation announced.
            var session = new Session(_handshakeIndex, message.SenderIndex, sendKey, receiveKey, isInitiator: true, now);
            Crypto.NoiseCrypto.Zero(sendKey);
            Crypto.NoiseCrypto.Zero(receiveKey);
            _hasHandshakeIndex = false;

            if (_next is not null)
            {
                // A session we answered but never saw used becomes the fallback instead of current.
                DeleteSession(SessionSlot.Previous);
                _previous = _next;
                _next = null;
                DeleteSession(SessionSlot.Current);
            }
            else
            {
                DeleteSession(SessionSlot.Previous);
                _previous = _current;
            }

            _current = session;
            AddRx(HandshakeResponseMessage.Size);
            OnAuthenticatedPacketReceived(now);
            OnSessionDerived(now);
            OnHandshakeComplete();
        }

        // The initiator confirms the session at once: queued packets if any, else a keepalive (§6.2 / §5.4.5).
        TunnelResult queued = SendQueued(destination);
        return queued.Operation != TunnelOperation.Done ? queued : Encapsulate(default, destination);
    }

    private TunnelResult ConsumeCookieReply(scoped CookieReplyMessage reply)
    {
        lock (_lock)
        {
            if (!_cookies.TryConsume(reply, Now))
            {
                return DropResult(DropReason.InvalidCookieReply);
            }

            AddRx(CookieReplyMessage.Size);
            // The cookie is used by the next retransmission (§5.3: the initiator does not retry at once).
            return TunnelResult.Done;
        }
    }

    // Guarded by _lock.
    private void ReleaseHandshakeIndex()
    {
        if (_hasHandshakeIndex)
        {
            _directory.ReleaseIndex(_handshakeIndex, this);
            _hasHandshakeIndex = false;
        }
    }

    // Guarded by _lock.
    private void OnSessionDerived(TimeSpan now)
    {
        SetTimer(TimerEvent.SessionDerived, now);
        _rekeyOnReceiveRequested = false;
    }

    // Guarded by _lock: the handshake is complete (initiator got its response, or the responder saw its
    // session used). Only then is it reported as the latest handshake: a responder cannot tell whether
    // the initiator will accept its response (a preshared key mismatch shows only there).
    private void OnHandshakeComplete()
    {
        _attemptActive = false;
        StopTimer(TimerEvent.HandshakeStarted);
        Interlocked.Exchange(ref _lastHandshakeUnixTicks, _directory.WallClock.UtcTicks);
    }

    private void OnHandshakeMessageSent(int length, TimeSpan now)
    {
        AddTx(length);
        SetTimer(TimerEvent.AuthenticatedTraversal, now);
        StopTimer(TimerEvent.KeepalivePending);
    }

    private void OnAuthenticatedPacketReceived(TimeSpan now)
    {
        SetTimer(TimerEvent.AuthenticatedTraversal, now);
        StopTimer(TimerEvent.NewHandshakePending);
    }

    private TimeSpan Jitter()
    {
        Span<byte> random = stackalloc byte[4];
        _directory.Random.Fill(random);
        uint value = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(random);
        return TimeSpan.FromTicks((long)(value % (ulong)WireGuardConstants.RekeyTimeoutJitterMax.Ticks));
    }
}
