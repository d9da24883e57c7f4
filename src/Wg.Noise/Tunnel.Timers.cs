// The timer state machine of one peer (whitepaper §6): a single decision function over the timestamps
// in _timers, driven by the device's tick through UpdateTimers.
namespace WgSharp.Noise;

public sealed partial class Tunnel
{
    // Guarded by _lock: the jitter of the new-handshake timer, drawn once per start of that timer (the
    // start it was drawn for, in ticks), as wireguard-go adds up to REKEY_TIMEOUT_JITTER_MAX to it.
    private long _newHandshakeJitterFor = Unset;
    private TimeSpan _newHandshakeJitter;

    // Data arrived while a passive keepalive was already due: send another one KEEPALIVE_TIMEOUT after it.
    private volatile bool _needAnotherKeepalive;

    // 1 when the device should forget the local address it sends from (see TakeEndpointSourceReset).
    private int _resetEndpointSource;

    /// <summary>
    /// True once after the timers gave up waiting on the peer (a handshake retransmission, or no reply to data
    /// for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT): the local source address replies leave from may be the cause,
    /// so the caller lets the kernel choose it again before sending the initiation, as wireguard-go does.
    /// </summary>
    public bool TakeEndpointSourceReset() => Interlocked.Exchange(ref _resetEndpointSource, 0) != 0;

    /// <summary>
    /// Lets time pass: expires sessions, retransmits or abandons handshakes, starts rekeys, sends
    /// keepalives. Returns at most one datagram; call again until Done.
    /// </summary>
    public TunnelResult UpdateTimers(Span<byte> destination)
    {
        lock (_lock)
        {
            TimeSpan now = Now;

            // §6.3: with no new session for 3 × REJECT_AFTER_TIME, erase every key of this peer.
            if (TryGetTimer(TimerEvent.SessionDerived, out TimeSpan derived) && now - derived >= WireGuardConstants.ZeroKeyMaterialAfter)
            {
                EraseKeyMaterial();
            }

            ExpireSessions(now);

            // §6.4: retransmit every REKEY_TIMEOUT (+ jitter) until REKEY_ATTEMPT_TIME, then give up.
            if (_attemptActive)
            {
                TryGetTimer(TimerEvent.HandshakeStarted, out TimeSpan started);
                if (now - started >= WireGuardConstants.RekeyAttemptTime)
                {
                    AbandonHandshake();
                }
                else if (now >= _retransmitDue)
                {
                    Volatile.Write(ref _resetEndpointSource, 1);
                    return InitiateHandshake(destination, now, isRetry: true);
                }
            }
            else if (IsHandshakeDue(now))
            {
                TunnelResult initiation = InitiateHandshake(destination, now, isRetry: false);
                if (initiation.Operation != TunnelOperation.Done)
                {
                    return initiation;
                }
            }

            // §6.5 passive keepalive: data came in and nothing went out for KEEPALIVE_TIMEOUT.
            if (TryGetTimer(TimerEvent.KeepalivePending, out TimeSpan received) && now - received >= WireGuardConstants.KeepaliveTimeout)
            {
                StopTimer(TimerEvent.KeepalivePending);
                if (HasSession)
                {
                    TunnelResult keepalive = Encapsulate(default, destination);

                    // More data came in after the timer started: it too is owed a keepalive (wireguard-go).
                    if (_needAnotherKeepalive)
                    {
                        _needAnotherKeepalive = false;
                        SetTimer(TimerEvent.KeepalivePending, now);
                    }

                    return keepalive;
                }
            }

            // §6.5 persistent keepalive: nothing authenticated crossed in either direction for the interval.
            TimeSpan interval = PersistentKeepalive;
            if (interval > TimeSpan.Zero &&
                (!TryGetTimer(TimerEvent.AuthenticatedTraversal, out TimeSpan traversal) || now - traversal >= interval))
            {
                if (HasSession)
                {
                    return Encapsulate(default, destination);
                }

                if (!_attemptActive)
                {
                    return InitiateHandshake(destination, now, isRetry: false);
                }
            }

            return TunnelResult.Done;
        }
    }

    // Guarded by _lock.
    private bool IsHandshakeDue(TimeSpan now)
    {
        // Rekey requested by the data path (§6.2: REKEY_AFTER_TIME / REKEY_AFTER_MESSAGES on send, or
        // the initiator's session nearing REJECT_AFTER_TIME on receive).
        if (_wantHandshake)
        {
            return true;
        }

        // §6.2: data sent and nothing heard back for KEEPALIVE_TIMEOUT + REKEY_TIMEOUT, plus jitter so that
        // peers that stopped hearing each other at the same moment do not initiate at the same moment.
        if (TryGetTimer(TimerEvent.NewHandshakePending, out TimeSpan sent))
        {
            if (_newHandshakeJitterFor != sent.Ticks)
            {
                _newHandshakeJitterFor = sent.Ticks;
                _newHandshakeJitter = Jitter();
            }

            if (now - sent >= WireGuardConstants.KeepaliveTimeout + WireGuardConstants.RekeyTimeout + _newHandshakeJitter)
            {
                StopTimer(TimerEvent.NewHandshakePending);
                Volatile.Write(ref _resetEndpointSource, 1);
                return true;
            }
        }

        // Packets are waiting and no session can carry them (an earlier attempt was rate limited or gave up).
        return _queue.Count > 0 && !HasSession;
    }

    // Guarded by _lock.
    private void ExpireSessions(TimeSpan now)
    {
        if (_current is { } current && current.IsExpired(now))
        {
            DeleteSession(SessionSlot.Current);
        }

        if (_previous is { } previous && previous.IsExpired(now))
        {
            DeleteSession(SessionSlot.Previous);
        }

        if (_next is { } next && next.IsExpired(now))
        {
            DeleteSession(SessionSlot.Next);
        }
    }

    // Guarded by _lock: REKEY_ATTEMPT_TIME passed without a response; queued packets are dropped.
    private void AbandonHandshake()
    {
        _attemptActive = false;
        _wantHandshake = false;
        ReleaseHandshakeIndex();
        _handshake.Clear();
        StopTimer(TimerEvent.HandshakeStarted);
        StopTimer(TimerEvent.NewHandshakePending);
        int dropped = _queue.Clear();
        for (int i = 0; i < dropped; i++)
        {
            CountDrop(DropReason.QueueOverflow);
        }
    }

    private void OnTransportSent(Session session, ulong counter, bool isKeepalive, int length, TimeSpan now)
    {
        AddTx(length);
        SetTimer(TimerEvent.AuthenticatedTraversal, now);
        StopTimer(TimerEvent.KeepalivePending);
        if (!isKeepalive)
        {
            StartTimerIfIdle(TimerEvent.NewHandshakePending, now);
        }

        // §6.2: the initiator rekeys after REKEY_AFTER_TIME; either side after REKEY_AFTER_MESSAGES.
        if (counter >= WireGuardConstants.RekeyAfterMessages ||
            (session.IsInitiator && now - session.Created >= WireGuardConstants.RekeyAfterTime))
        {
            _wantHandshake = true;
        }
    }

    private void OnTransportReceived(Session session, bool isKeepalive, TimeSpan now)
    {
        OnAuthenticatedPacketReceived(now);
        if (!isKeepalive && !StartTimerIfIdle(TimerEvent.KeepalivePending, now))
        {
            _needAnotherKeepalive = true;
        }

        // §6.2: an initiator whose session nears REJECT_AFTER_TIME rekeys on receipt, once per session.
        if (session.IsInitiator && session == _current && !_rekeyOnReceiveRequested &&
            now - session.Created >= WireGuardConstants.RekeyOnReceiveAfterTime)
        {
            _rekeyOnReceiveRequested = true;
            _wantHandshake = true;
        }
    }
}
