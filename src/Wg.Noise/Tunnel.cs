// One peer of a WireGuard interface as a sans-IO state machine (boringtun's `Tunn`): encapsulate
// packets for it, decapsulate what it sends, and let time pass with UpdateTimers. Every call writes
// into a buffer the caller owns and returns what to do with it.
//
// Thread-safety: Encapsulate and Decapsulate of transport data may run on several threads at once, for
// this peer and others; they read the sessions without locking. Handshakes, session rotation and
// timers are serialized by _lock. Configuration setters are safe at any time.
using WgSharp.Noise.Keys;

namespace WgSharp.Noise;

public sealed partial class Tunnel : IDisposable
{
    private const long Unset = long.MinValue;

    private readonly TunnelDirectory _directory;
    private readonly Lock _lock = new();
    private readonly Handshake _handshake;       // guarded by _lock
    private readonly CookieJar _cookies;         // guarded by _lock
    private readonly PacketQueue _queue = new(WireGuardConstants.MaxQueuedPackets);
    private readonly long[] _timers = new long[(int)TimerEvent.Count]; // ticks of Now; written with Volatile/Interlocked

    // Sessions (§6.1 "current, previous, next"): written under _lock, read anywhere.
    private volatile Session? _current;
    private volatile Session? _previous;
    private volatile Session? _next;

    // Guarded by _lock.
    private TimeSpan _retransmitDue;
    private volatile bool _wantHandshake;
    private volatile bool _rekeyOnReceiveRequested;

    private long _rxBytes;
    private long _txBytes;
    private long _lastHandshakeUnixTicks;
    private long _persistentKeepaliveTicks;
    private volatile int _mtu;
    private bool _disposed;

    internal Tunnel(TunnelDirectory directory, PublicKey peer, StaticIdentity? local)
    {
        _directory = directory;
        PublicKey = peer;
        _handshake = new Handshake(peer);
        _handshake.SetLocalIdentity(local);
        _cookies = new CookieJar(peer);
        Array.Fill(_timers, Unset);
    }

    /// <summary>The peer's static public key.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>Drops attributed to this peer, by reason.</summary>
    public DropCounters Drops { get; } = new();

    /// <summary>
    /// Room a caller leaves before a plaintext packet in its buffer: the transport header (type, receiver index,
    /// counter, §5.4.6) is written there, so sealing runs in place and opening leaves the plaintext at this offset.
    /// </summary>
    public const int TransportHeadRoom = Messages.TransportDataMessage.HeaderSize;

    /// <summary>The device's record of this peer, handed back with the tunnel by the directory's lookups.</summary>
    public ITunnelOwner? Owner { get; set; }

    /// <summary>Bytes of datagrams received from and sent to this peer (what `wg show` calls transfer).</summary>
    public long RxBytes => Interlocked.Read(ref _rxBytes);

    public long TxBytes => Interlocked.Read(ref _txBytes);

    /// <summary>Wall-clock time of the latest completed handshake, or null.</summary>
    public DateTimeOffset? LastHandshake
    {
        get
        {
            long ticks = Interlocked.Read(ref _lastHandshakeUnixTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
    }

    /// <summary>Whether a session usable for sending exists now.</summary>
    public bool HasSession => _current is { } s && !s.IsExpired(Now);

    /// <summary>Packets waiting for a handshake to complete.</summary>
    public int QueuedPackets => _queue.Count;

    /// <summary>0 disables; otherwise a keepalive is sent after this long without traffic (wg's persistent-keepalive).</summary>
    public TimeSpan PersistentKeepalive
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _persistentKeepaliveTicks));
        set
        {
            if (value < TimeSpan.Zero || value > TimeSpan.FromSeconds(ushort.MaxValue))
            {
                throw new ArgumentOutOfRangeException(nameof(value), "Persistent keepalive is 0 to 65535 seconds.");
            }

            Interlocked.Exchange(ref _persistentKeepaliveTicks, value.Ticks);
        }
    }

    /// <summary>The interface MTU, which caps the padding of transport messages; 0 pads to 16 only.</summary>
    public int Mtu
    {
        get => _mtu;
        set => _mtu = value >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public bool HasPresharedKey
    {
        get
        {
            lock (_lock)
            {
                return _handshake.HasPresharedKey;
            }
        }
    }

    private TimeSpan Now => _directory.Now;

    /// <summary>Sets the preshared key (null or all zeros: none). Takes effect at the next handshake.</summary>
    public void SetPresharedKey(PresharedKey? key)
    {
        lock (_lock)
        {
            _handshake.SetPresharedKey(key is null || key.IsZero ? default : key.Bytes);
        }
    }

    /// <summary>Erases all sessions, the handshake in progress and queued packets, as when keys expire (§6.3).</summary>
    public void ClearSessions()
    {
        lock (_lock)
        {
            EraseKeyMaterial();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            EraseKeyMaterial();
            _handshake.Dispose();
        }
    }

    // Called by the directory when the interface's private key changes: sessions made with the old key
    // are worthless and the precomputed static-static DH must be redone.
    internal void SetLocalIdentity(StaticIdentity? local)
    {
        lock (_lock)
        {
            EraseKeyMaterial();
            _handshake.SetLocalIdentity(local);
        }
    }

    // Guarded by _lock.
    private void EraseKeyMaterial()
    {
        ReleaseHandshakeIndex();
        _handshake.Clear();
        DeleteSession(SessionSlot.Current);
        DeleteSession(SessionSlot.Previous);
        DeleteSession(SessionSlot.Next);
        int dropped = _queue.Clear();
        for (int i = 0; i < dropped; i++)
        {
            CountDrop(DropReason.QueueOverflow);
        }

        _attemptActive = false;
        _wantHandshake = false;
        _rekeyOnReceiveRequested = false;
        for (int i = 0; i < _timers.Length; i++)
        {
            if (i != (int)TimerEvent.AuthenticatedTraversal)
            {
                Volatile.Write(ref _timers[i], Unset);
            }
        }
    }

    private enum SessionSlot
    {
        Current,
        Previous,
        Next,
    }

    // Guarded by _lock. The slot is emptied before the keys are erased, so a reader either misses the
    // session or sees it whole.
    private void DeleteSession(SessionSlot slot)
    {
        Session? session;
        switch (slot)
        {
            case SessionSlot.Current:
                session = _current;
                _current = null;
                break;
            case SessionSlot.Previous:
                session = _previous;
                _previous = null;
                break;
            default:
                session = _next;
                _next = null;
                break;
        }

        if (session is not null)
        {
            _directory.ReleaseIndex(session.LocalIndex, this);
            session.Erase();
        }
    }

    private void CountDrop(DropReason reason)
    {
        Drops.Increment(reason);
        _directory.Drops.Increment(reason);
    }

    private TunnelResult DropResult(DropReason reason)
    {
        CountDrop(reason);
        return TunnelResult.Drop(reason);
    }

    private void SetTimer(TimerEvent timer, TimeSpan now) => Volatile.Write(ref _timers[(int)timer], now.Ticks);

    // True when it started the timer, false when it was running already.
    private bool StartTimerIfIdle(TimerEvent timer, TimeSpan now) => Interlocked.CompareExchange(ref _timers[(int)timer], now.Ticks, Unset) == Unset;

    private void StopTimer(TimerEvent timer) => Volatile.Write(ref _timers[(int)timer], Unset);

    private bool TryGetTimer(TimerEvent timer, out TimeSpan value)
    {
        long ticks = Volatile.Read(ref _timers[(int)timer]);
        value = TimeSpan.FromTicks(ticks == Unset ? 0 : ticks);
        return ticks != Unset;
    }

    private void AddRx(int bytes) => Interlocked.Add(ref _rxBytes, bytes);

    private void AddTx(int bytes) => Interlocked.Add(ref _txBytes, bytes);
}
