// Noise_IKpsk2 as WireGuard uses it (whitepaper §5.4.2–5.4.5), for one peer: building and consuming
// initiations and responses, and deriving the transport keys. Not thread-safe: the owning Tunnel
// serializes every call under its lock.
using WgSharp.Noise.Crypto;
using WgSharp.Noise.Keys;
using WgSharp.Noise.Messages;

namespace WgSharp.Noise;

internal sealed class Handshake : IDisposable
{
    private const int KeySize = NoiseCrypto.KeySize;

    private readonly PublicKey _remoteStatic;

    // Secrets: pinned so that erasing them erases the only copy.
    private readonly byte[] _presharedKey = GC.AllocateArray<byte>(KeySize, pinned: true);
    private readonly byte[] _precomputedStaticStatic = GC.AllocateArray<byte>(KeySize, pinned: true);
    private readonly byte[] _chainingKey = GC.AllocateArray<byte>(KeySize, pinned: true);
    private readonly byte[] _hash = GC.AllocateArray<byte>(KeySize, pinned: true);
    private readonly byte[] _localEphemeral = GC.AllocateArray<byte>(KeySize, pinned: true);
    private readonly byte[] _remoteEphemeral = new byte[KeySize];

    private StaticIdentity? _local;
    private bool _staticStaticValid;
    private HandshakeState _state;
    private Tai64N _latestTimestamp;
    private TimeSpan _lastInitiationConsumed;
    private bool _hasConsumedInitiation;

    public Handshake(PublicKey remoteStatic)
    {
        _remoteStatic = remoteStatic;
    }

    private enum HandshakeState
    {
        None,
        InitiationSent,
        InitiationConsumed,
    }

    public PublicKey RemoteStatic => _remoteStatic;

    public bool IsInitiationPending => _state == HandshakeState.InitiationSent;

    /// <summary>Our index in the handshake in progress (initiator: sender index of the initiation).</summary>
    public uint LocalIndex { get; private set; }

    /// <summary>The peer's sender index from the initiation we consumed.</summary>
    public uint RemoteIndex { get; private set; }

    public bool CanHandshake => _local is not null && _staticStaticValid;

    /// <summary>Sets (or clears) our static identity; precomputes DH(Spriv_local, Spub_remote) as the Linux driver does.</summary>
    public void SetLocalIdentity(StaticIdentity? local)
    {
        _local = local;
        Clear();
        _staticStaticValid = local is not null && NoiseCrypto.Dh(local.PrivateKey.Bytes, _remoteStatic.AsSpan(), _precomputedStaticStatic);
    }

    public void SetPresharedKey(ReadOnlySpan<byte> presharedKey)
    {
        if (presharedKey.IsEmpty)
        {
            NoiseCrypto.Zero(_presharedKey);
        }
        else
        {
            presharedKey.CopyTo(_presharedKey);
        }
    }

    public bool HasPresharedKey => ((ReadOnlySpan<byte>)_presharedKey).IndexOfAnyExcept((byte)0) >= 0;

    /// <summary>Forgets the handshake in progress (not the replay-protection timestamp).</summary>
    public void Clear()
    {
        _state = HandshakeState.None;
        NoiseCrypto.Zero(_chainingKey);
        NoiseCrypto.Zero(_hash);
        NoiseCrypto.Zero(_localEphemeral);
    }

    /// <summary>
    /// Writes the handshake initiation (§5.4.2) without its macs. Returns false when no handshake is
    /// possible (no private key, or the peer's key is a low-order point).
    /// </summary>
    public bool TryCreateInitiation(Span<byte> destination, uint localIndex, Tai64N timestamp, IRandomSource random)
    {
        if (_local is null || !_staticStaticValid)
        {
            return false;
        }

        var message = HandshakeInitiationMessage.Create(destination);
        Span<byte> key = stackalloc byte[KeySize];
        Span<byte> dh = stackalloc byte[KeySize];
        Span<byte> timestampBytes = stackalloc byte[Tai64N.Size];
        try
        {
            // Ci := HASH(CONSTRUCTION); Hi := HASH(Ci || IDENTIFIER); Hi := HASH(Hi || Spub_r)
            WireGuardConstants.InitialChainingKey.CopyTo(_chainingKey);
            NoiseCrypto.Hash(WireGuardConstants.InitialHash, _remoteStatic.AsSpan(), _hash);

            // (Epriv_i, Epub_i) := DH-GENERATE(); msg.sender := Ii; msg.ephemeral := Epub_i
            GenerateEphemeral(random, message.UnencryptedEphemeral);
            message.SenderIndex = localIndex;

            // Ci := KDF1(Ci, msg.ephemeral); Hi := HASH(Hi || msg.ephemeral)
            NoiseCrypto.MixKey(_chainingKey, message.UnencryptedEphemeral);
            NoiseCrypto.MixHash(_hash, message.UnencryptedEphemeral);

            // (Ci, κ) := KDF2(Ci, DH(Epriv_i, Spub_r)); msg.static := AEAD(κ, 0, Spub_i, Hi); Hi := HASH(Hi || msg.static)
            if (!NoiseCrypto.Dh(_localEphemeral, _remoteStatic.AsSpan(), dh))
            {
                Clear();
                return false;
            }

            NoiseCrypto.Kdf2(_chainingKey, dh, _chainingKey, key);
            Aead.Seal(key, 0, _local.PublicKey.AsSpan(), _hash, message.EncryptedStatic);
            NoiseCrypto.MixHash(_hash, message.EncryptedStatic);

            // (Ci, κ) := KDF2(Ci, DH(Spriv_i, Spub_r)); msg.timestamp := AEAD(κ, 0, TAI64N(), Hi); Hi := HASH(Hi || msg.timestamp)
            NoiseCrypto.Kdf2(_chainingKey, _precomputedStaticStatic, _chainingKey, key);
            timestamp.WriteTo(timestampBytes);
            Aead.Seal(key, 0, timestampBytes, _hash, message.EncryptedTimestamp);
            NoiseCrypto.MixHash(_hash, message.EncryptedTimestamp);

            LocalIndex = localIndex;
            _state = HandshakeState.InitiationSent;
            return true;
        }
        finally
        {
            NoiseCrypto.Zero(key);
            NoiseCrypto.Zero(dh);
        }
    }

    /// <summary>
    /// The responder's first half of consuming an initiation (§5.4.2), which needs only our own
    /// identity: decrypts the initiator's static key so the device can find the peer. Writes the
    /// chaining key and hash reached so far.
    /// </summary>
    public static bool TryDecryptInitiatorStatic(StaticIdentity local, HandshakeInitiationMessage message, Span<byte> chainingKey, Span<byte> hash, out PublicKey initiatorStatic)
    {
        initiatorStatic = default;
        Span<byte> key = stackalloc byte[KeySize];
        Span<byte> dh = stackalloc byte[KeySize];
        Span<byte> decryptedStatic = stackalloc byte[KeySize];
        try
        {
            // Cr := HASH(CONSTRUCTION); Hr := HASH(HASH(Cr || IDENTIFIER) || Spub_r)
            WireGuardConstants.InitialChainingKey.CopyTo(chainingKey);
            local.InitialHashWithOwnKey.CopyTo(hash);

            // Cr := KDF1(Cr, msg.ephemeral); Hr := HASH(Hr || msg.ephemeral)
            NoiseCrypto.MixKey(chainingKey, message.UnencryptedEphemeral);
            NoiseCrypto.MixHash(hash, message.UnencryptedEphemeral);

            // (Cr, κ) := KDF2(Cr, DH(Spriv_r, Epub_i)); Spub_i := AEAD-DECRYPT(κ, 0, msg.static, Hr); Hr := HASH(Hr || msg.static)
            if (!NoiseCrypto.Dh(local.PrivateKey.Bytes, message.UnencryptedEphemeral, dh))
            {
                return false;
            }

            NoiseCrypto.Kdf2(chainingKey, dh, chainingKey, key);
            if (!Aead.Open(key, 0, message.EncryptedStatic, hash, decryptedStatic))
            {
                return false;
            }

            NoiseCrypto.MixHash(hash, message.EncryptedStatic);
            initiatorStatic = new PublicKey(decryptedStatic);
            return true;
        }
        finally
        {
            NoiseCrypto.Zero(key);
            NoiseCrypto.Zero(dh);
            NoiseCrypto.Zero(decryptedStatic);
        }
    }

    /// <summary>
    /// The responder's second half (§5.4.2): decrypts and checks the timestamp against replay and
    /// floods, then keeps the state needed for the response. Nothing changes unless it succeeds.
    /// </summary>
    public DropReason ConsumeInitiation(HandshakeInitiationMessage message, ReadOnlySpan<byte> chainingKey, ReadOnlySpan<byte> hash, TimeSpan now)
    {
        if (_local is null || !_staticStaticValid)
        {
            return DropReason.NoIdentity;
        }

        Span<byte> ck = stackalloc byte[KeySize];
        Span<byte> h = stackalloc byte[KeySize];
        Span<byte> key = stackalloc byte[KeySize];
        Span<byte> timestampBytes = stackalloc byte[Tai64N.Size];
        try
        {
            chainingKey.CopyTo(ck);
            hash.CopyTo(h);

            // (Cr, κ) := KDF2(Cr, DH(Spriv_r, Spub_i)); timestamp := AEAD-DECRYPT(κ, 0, msg.timestamp, Hr); Hr := HASH(Hr || msg.timestamp)
            NoiseCrypto.Kdf2(ck, _precomputedStaticStatic, ck, key);
            if (!Aead.Open(key, 0, message.EncryptedTimestamp, h, timestampBytes))
            {
                return DropReason.HandshakeDecryptionFailed;
            }

            NoiseCrypto.MixHash(h, message.EncryptedTimestamp);

            // §5.1: reject replays (timestamp not newer) and initiation floods from this peer.
            var timestamp = Tai64N.Read(timestampBytes);
            if (_hasConsumedInitiation && !timestamp.IsAfter(_latestTimestamp))
            {
                return DropReason.StaleTimestamp;
            }

            if (_hasConsumedInitiation && now - _lastInitiationConsumed < WireGuardConstants.HandshakeInitiationRate)
            {
                return DropReason.InitiationFlood;
            }

            ck.CopyTo(_chainingKey);
            h.CopyTo(_hash);
            message.UnencryptedEphemeral.CopyTo(_remoteEphemeral);
            RemoteIndex = message.SenderIndex;
            _latestTimestamp = timestamp;
            _lastInitiationConsumed = now;
            _hasConsumedInitiation = true;
            _state = HandshakeState.InitiationConsumed;
            return DropReason.None;
        }
        finally
        {
            NoiseCrypto.Zero(ck);
            NoiseCrypto.Zero(h);
            NoiseCrypto.Zero(key);
            NoiseCrypto.Zero(timestampBytes);
        }
    }

    /// <summary>
    /// Writes the response to the consumed initiation (§5.4.3) without its macs and derives the
    /// responder's transport keys (§5.4.5).
    /// </summary>
    public bool TryCreateResponse(Span<byte> destination, uint localIndex, IRandomSource random, Span<byte> sendKey, Span<byte> receiveKey)
    {
        if (_state != HandshakeState.InitiationConsumed || _local is null)
        {
            return false;
        }

        var message = HandshakeResponseMessage.Create(destination);
        Span<byte> key = stackalloc byte[KeySize];
        Span<byte> tau = stackalloc byte[KeySize];
        Span<byte> dh = stackalloc byte[KeySize];
        try
        {
            // (Epriv_r, Epub_r) := DH-GENERATE(); msg.sender := Ir; msg.receiver := Ii; msg.ephemeral := Epub_r
            GenerateEphemeral(random, message.UnencryptedEphemeral);
            message.SenderIndex = localIndex;
            message.ReceiverIndex = RemoteIndex;

            // Cr := KDF1(Cr, Epub_r); Hr := HASH(Hr || msg.ephemeral)
            NoiseCrypto.MixKey(_chainingKey, message.UnencryptedEphemeral);
            NoiseCrypto.MixHash(_hash, message.UnencryptedEphemeral);

            // Cr := KDF1(Cr, DH(Epriv_r, Epub_i)); Cr := KDF1(Cr, DH(Epriv_r, Spub_i))
            if (!NoiseCrypto.Dh(_localEphemeral, _remoteEphemeral, dh))
            {
                Clear();
                return false;
            }

            NoiseCrypto.MixKey(_chainingKey, dh);
            if (!NoiseCrypto.Dh(_localEphemeral, _remoteStatic.AsSpan(), dh))
            {
                Clear();
                return false;
            }

            NoiseCrypto.MixKey(_chainingKey, dh);

            // (Cr, τ, κ) := KDF3(Cr, Q); Hr := HASH(Hr || τ); msg.empty := AEAD(κ, 0, ε, Hr); Hr := HASH(Hr || msg.empty)
            NoiseCrypto.Kdf3(_chainingKey, _presharedKey, _chainingKey, tau, key);
            NoiseCrypto.MixHash(_hash, tau);
            Aead.Seal(key, 0, default, _hash, message.EncryptedNothing);
            NoiseCrypto.MixHash(_hash, message.EncryptedNothing);

            // (Tr_recv, Tr_send) := KDF2(Cr, ε)
            NoiseCrypto.Kdf2(_chainingKey, default, receiveKey, sendKey);
            LocalIndex = localIndex;
            Clear();
            return true;
        }
        finally
        {
            NoiseCrypto.Zero(key);
            NoiseCrypto.Zero(tau);
            NoiseCrypto.Zero(dh);
        }
    }

    /// <summary>
    /// The initiator consumes a response (§5.4.3) and derives its transport keys (§5.4.5). Works on
    /// copies, so a forged response leaves the pending handshake intact.
    /// </summary>
    public DropReason ConsumeResponse(HandshakeResponseMessage message, Span<byte> sendKey, Span<byte> receiveKey)
    {
        if (_state != HandshakeState.InitiationSent || _local is null || message.ReceiverIndex != LocalIndex)
        {
            return DropReason.UnexpectedHandshakeMessage;
        }

        Span<byte> ck = stackalloc byte[KeySize];
        Span<byte> h = stackalloc byte[KeySize];
        Span<byte> key = stackalloc byte[KeySize];
        Span<byte> tau = stackalloc byte[KeySize];
        Span<byte> dh = stackalloc byte[KeySize];
        try
        {
            _chainingKey.CopyTo(ck);
            _hash.CopyTo(h);

            // Ci := KDF1(Ci, msg.ephemeral); Hi := HASH(Hi || msg.ephemeral)
            NoiseCrypto.MixKey(ck, message.UnencryptedEphemeral);
            NoiseCrypto.MixHash(h, message.UnencryptedEphemeral);

            // Ci := KDF1(Ci, DH(Epriv_i, Epub_r)); Ci := KDF1(Ci, DH(Spriv_i, Epub_r))
            if (!NoiseCrypto.Dh(_localEphemeral, message.UnencryptedEphemeral, dh))
            {
                return DropReason.HandshakeDecryptionFailed;
            }

            NoiseCrypto.MixKey(ck, dh);
            if (!NoiseCrypto.Dh(_local.PrivateKey.Bytes, message.UnencryptedEphemeral, dh))
            {
                return DropReason.HandshakeDecryptionFailed;
            }

            NoiseCrypto.MixKey(ck, dh);

            // (Ci, τ, κ) := KDF3(Ci, Q); Hi := HASH(Hi || τ); AEAD-DECRYPT(κ, 0, msg.empty, Hi) must hold; Hi := HASH(Hi || msg.empty)
            NoiseCrypto.Kdf3(ck, _presharedKey, ck, tau, key);
            NoiseCrypto.MixHash(h, tau);
            if (!Aead.Open(key, 0, message.EncryptedNothing, h, default))
            {
                return DropReason.HandshakeDecryptionFailed;
            }

            RemoteIndex = message.SenderIndex;

            // (Ti_send, Ti_recv) := KDF2(Ci, ε)
            NoiseCrypto.Kdf2(ck, default, sendKey, receiveKey);
            Clear();
            return DropReason.None;
        }
        finally
        {
            NoiseCrypto.Zero(ck);
            NoiseCrypto.Zero(h);
            NoiseCrypto.Zero(key);
            NoiseCrypto.Zero(tau);
            NoiseCrypto.Zero(dh);
        }
    }

    /// <summary>Erases everything secret (§6.3), including the replay-protection state for initiations.</summary>
    public void Dispose()
    {
        Clear();
        NoiseCrypto.Zero(_presharedKey);
        NoiseCrypto.Zero(_precomputedStaticStatic);
        _staticStaticValid = false;
    }

    private void GenerateEphemeral(IRandomSource random, Span<byte> publicKey)
    {
        random.Fill(_localEphemeral);
        NoiseCrypto.Clamp(_localEphemeral);
        NoiseCrypto.DhPublicKey(_localEphemeral, publicKey);
    }
}
