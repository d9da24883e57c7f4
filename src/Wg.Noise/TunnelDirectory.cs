// The device-level part of the engine: the interface's identity, its peers by public key and by
// receiver index, and the entry point for every datagram that arrives (whitepaper §5.4: initiations
// are matched to a peer by their decrypted static key, everything else by receiver index).
// Thread-safe: datagrams may be received on several threads while peers are added and removed.
using System.Collections.Concurrent;
using WgSharp.Noise.Crypto;
using WgSharp.Noise.Keys;
using WgSharp.Noise.Messages;

namespace WgSharp.Noise;

public sealed class TunnelDirectory : IDisposable
{
    private readonly TimeProvider _time;
    private readonly long _origin;
    private readonly ConcurrentDictionary<PublicKey, Tunnel> _byKey = new();
    private readonly ConcurrentDictionary<uint, Tunnel> _byIndex = new();
    private readonly RateLimiter _rateLimiter = new();
    private readonly Lock _identityLock = new();

    // Replaced together under _identityLock; read lock-free.
    private volatile IdentityState? _identity;

    public TunnelDirectory(TimeProvider time, IRandomSource random)
    {
        _time = time;
        Random = random;
        _origin = time.GetTimestamp();
    }

    /// <summary>Set by the device when handshake processing is backlogged: mac2 (a cookie) becomes mandatory (§5.3).</summary>
    public bool IsUnderLoad { get; set; }

    /// <summary>Drops of every kind on this interface, including those not attributable to a peer.</summary>
    public DropCounters Drops { get; } = new();

    /// <summary>The interface's public key, or null while it has no private key.</summary>
    public PublicKey? PublicKey => _identity?.Identity.PublicKey;

    public int PeerCount => _byKey.Count;

    public IEnumerable<Tunnel> Tunnels => _byKey.Values;

    internal IRandomSource Random { get; }

    /// <summary>Monotonic time since the directory was created: the engine's only clock.</summary>
    internal TimeSpan Now => _time.GetElapsedTime(_origin);

    internal DateTimeOffset WallClock => _time.GetUtcNow();

    /// <summary>
    /// Sets or clears the interface's private key. Sessions made with the old key are erased. A peer with
    /// our own public key is removed, as wireguard-go does (talking to ourselves cannot work).
    /// </summary>
    public void SetPrivateKey(PrivateKey? key)
    {
        lock (_identityLock)
        {
            IdentityState? old = _identity;
            IdentityState? next = null;
            if (key is not null && !key.IsZero)
            {
                var identity = new StaticIdentity(key);
                next = new IdentityState(identity, new CookieChecker(identity, Random));
            }

            if (old is not null && next is not null && old.Identity.PublicKey == next.Identity.PublicKey)
            {
                next.Retire();
                return; // same key: keep sessions, as wireguard-go does
            }

            _identity = next;
            if (next is not null)
            {
                RemovePeer(next.Identity.PublicKey);
            }

            foreach (Tunnel tunnel in _byKey.Values)
            {
                tunnel.SetLocalIdentity(next?.Identity);
            }

            old?.Retire(); // erased once the handshake thread is done with it
        }
    }

    /// <summary>Adds a peer; throws if it exists already or is the interface's own key (caller bugs).</summary>
    public Tunnel AddPeer(PublicKey peer)
    {
        lock (_identityLock)
        {
            if (_identity is { } identity && identity.Identity.PublicKey == peer)
            {
                throw new InvalidOperationException("A peer cannot have the interface's own public key.");
            }

            var tunnel = new Tunnel(this, peer, _identity?.Identity);
            if (!_byKey.TryAdd(peer, tunnel))
            {
                tunnel.Dispose();
                throw new InvalidOperationException($"Peer {peer} exists already.");
            }

            return tunnel;
        }
    }

    public bool TryGetPeer(PublicKey peer, out Tunnel tunnel) => _byKey.TryGetValue(peer, out tunnel!);

    /// <summary>Removes a peer and erases its keys; false if it was not there.</summary>
    public bool RemovePeer(PublicKey peer)
    {
        if (!_byKey.TryRemove(peer, out Tunnel? tunnel))
        {
            return false;
        }

        tunnel.Dispose(); // releases its indices through ReleaseIndex
        return true;
    }

    /// <summary>
    /// Processes one received datagram. sourceAddress (4 or 16 bytes) and sourcePort identify the sender
    /// for cookies and rate limiting. tunnel is the peer it belongs to when known (the caller updates
    /// that peer's endpoint after an authenticated packet and drains it with Decapsulate(empty)).
    /// </summary>
    public TunnelResult Receive(scoped Span<byte> datagram, scoped ReadOnlySpan<byte> sourceAddress, ushort sourcePort, Span<byte> destination, out Tunnel? tunnel)
    {
        tunnel = null;
        if (!MessageParser.TryGetType(datagram, out MessageType type))
        {
            return Drop(DropReason.MalformedMessage);
        }

        if (type is MessageType.TransportData or MessageType.CookieReply)
        {
            uint index = type == MessageType.TransportData
                ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(datagram[TransportDataMessage.ReceiverIndexOffset..])
                : System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(datagram[CookieReplyMessage.ReceiverIndexOffset..]);
            if (!_byIndex.TryGetValue(index, out tunnel))
            {
                return Drop(DropReason.UnknownReceiverIndex);
            }

            return tunnel.Decapsulate(datagram, destination);
        }

        // Held while the message is processed: a private-key change may retire this identity meanwhile, and
        // its keys are erased only when the last such user releases it.
        IdentityState? state = _identity;
        if (state is not null && !state.TryAcquire())
        {
            state = _identity; // replaced just now: the successor is already in place
            if (state is not null && !state.TryAcquire())
            {
                state = null;
            }
        }

        if (state is null)
        {
            return Drop(DropReason.NoIdentity);
        }

        try
        {
            IdentityAcquiredForTests?.Invoke();
            return ReceiveHandshake(type, state, datagram, sourceAddress, sourcePort, destination, out tunnel);
        }
        finally
        {
            state.Release();
        }
    }

    private TunnelResult ReceiveHandshake(MessageType type, IdentityState state, scoped Span<byte> datagram, scoped ReadOnlySpan<byte> sourceAddress, ushort sourcePort, Span<byte> destination, out Tunnel? tunnel)
    {
        tunnel = null;
        // Handshake messages: mac1 always, then under load a valid mac2 or a cookie reply, and a rate limit (§5.3).
        int mac1Offset = type == MessageType.HandshakeInitiation ? HandshakeInitiationMessage.Mac1Offset : HandshakeResponseMessage.Mac1Offset;
        ReadOnlySpan<byte> mac1 = datagram.Slice(mac1Offset, NoiseCrypto.MacSize);
        if (!state.Cookies.IsMac1Valid(datagram[..mac1Offset], mac1))
        {
            return Drop(DropReason.InvalidMac1);
        }

        if (IsUnderLoad)
        {
            int mac2Offset = mac1Offset + NoiseCrypto.MacSize;
            if (!state.Cookies.IsMac2Valid(datagram[..mac2Offset], datagram.Slice(mac2Offset, NoiseCrypto.MacSize), sourceAddress, sourcePort, Now))
            {
                uint senderIndex = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(datagram[4..]);
                Drops.Increment(DropReason.CookieRequired);
                int length = state.Cookies.WriteCookieReply(senderIndex, mac1, sourceAddress, sourcePort, Now, destination);
                return TunnelResult.WriteToNetwork(destination[..length]);
            }

            if (!_rateLimiter.Allow(RateLimiterKey.FromAddressBytes(sourceAddress), Now))
            {
                return Drop(DropReason.RateLimited);
            }
        }

        if (type == MessageType.HandshakeResponse)
        {
            HandshakeResponseMessage.TryRead(datagram, out HandshakeResponseMessage response);
            if (!_byIndex.TryGetValue(response.ReceiverIndex, out tunnel))
            {
                return Drop(DropReason.UnknownReceiverIndex);
            }

            return tunnel.Decapsulate(datagram, destination);
        }

        HandshakeInitiationMessage.TryRead(datagram, out HandshakeInitiationMessage initiation);
        Span<byte> chainingKey = stackalloc byte[NoiseCrypto.HashSize];
        Span<byte> hash = stackalloc byte[NoiseCrypto.HashSize];
        try
        {
            if (!Handshake.TryDecryptInitiatorStatic(state.Identity, initiation, chainingKey, hash, out PublicKey initiator))
            {
                return Drop(DropReason.HandshakeDecryptionFailed);
            }

            if (!_byKey.TryGetValue(initiator, out tunnel))
            {
                return Drop(DropReason.UnknownPeer);
            }

            return tunnel.ConsumeInitiation(initiation, chainingKey, hash, destination);
        }
        finally
        {
            NoiseCrypto.Zero(chainingKey);
            NoiseCrypto.Zero(hash);
        }
    }

    /// <summary>A test seam: runs on the receiving thread once a handshake message holds the identity.</summary>
    internal Action? IdentityAcquiredForTests { get; set; }

    /// <summary>Forgets idle rate-limiter entries; the device calls this about once a second.</summary>
    public void SweepRateLimiter() => _rateLimiter.Sweep(Now);

    public void Dispose()
    {
        foreach (PublicKey key in _byKey.Keys)
        {
            RemovePeer(key);
        }

        lock (_identityLock)
        {
            IdentityState? old = _identity;
            _identity = null;
            old?.Retire();
        }
    }

    /// <summary>A fresh random receiver index, unique on this interface (§5.4.2: "a randomly generated 32-bit index").</summary>
    internal uint AllocateIndex(Tunnel tunnel)
    {
        Span<byte> bytes = stackalloc byte[4];
        while (true)
        {
            Random.Fill(bytes);
            uint index = System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bytes);
            if (_byIndex.TryAdd(index, tunnel))
            {
                return index;
            }
        }
    }

    internal void ReleaseIndex(uint index, Tunnel tunnel) =>
        _byIndex.TryRemove(new KeyValuePair<uint, Tunnel>(index, tunnel));

    private TunnelResult Drop(DropReason reason)
    {
        Drops.Increment(reason);
        return TunnelResult.Drop(reason);
    }

    // The identity and its cookie secret, with the same erase-after-last-user rule as a session's keys: one
    // interlocked word holds the retired flag and the count of threads processing a message with it.
    private sealed class IdentityState(StaticIdentity identity, CookieChecker cookies)
    {
        private const int RetiredFlag = 1 << 30;
        private int _users;

        public StaticIdentity Identity { get; } = identity;

        public CookieChecker Cookies { get; } = cookies;

        public bool TryAcquire()
        {
            if ((Interlocked.Increment(ref _users) & RetiredFlag) == 0)
            {
                return true;
            }

            Release();
            return false;
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _users) == RetiredFlag)
            {
                Erase();
            }
        }

        /// <summary>No new users; the keys are erased now or when the last user releases them.</summary>
        public void Retire()
        {
            if (Interlocked.Or(ref _users, RetiredFlag) == 0)
            {
                Erase();
            }
        }

        // Runs once no thread holds the identity; idempotent.
        private void Erase()
        {
            Identity.Dispose();
            Cookies.Dispose();
        }
    }
}
