// One transport keypair of a peer (whitepaper §5.4.5–5.4.6): the two keys derived by a handshake,
// both receiver indices, the send counter and the replay window. Immutable but for the counter,
// window and key users, so the data plane uses it from several threads without the peer's lock.
//
// Erasing (§6.3) races with crypto workers that hold the session: keys are zeroed only once no thread
// is between acquiring them and finishing its seal or open, so no packet is ever sealed or opened
// under a key being erased. One interlocked word holds the erased flag and the count of those users.
using System.Buffers.Binary;
using WgSharp.Noise.Crypto;
using WgSharp.Noise.Messages;

namespace WgSharp.Noise;

internal sealed class Session
{
    // Pinned so that erasing them erases the only copy.
    private readonly byte[] _sendKey = GC.AllocateArray<byte>(Aead.KeySize, pinned: true);
    private readonly byte[] _receiveKey = GC.AllocateArray<byte>(Aead.KeySize, pinned: true);
    private readonly ReplayWindow _replay = new();

    // Set in _keyUsers once Erase was called; the low bits count threads holding the keys.
    private const int ErasedFlag = 1 << 30;

    // The next counter to use; incremented atomically by senders (§5.4.6 "nonce").
    private long _nextSendCounter;

    // ErasedFlag | number of acquisitions not yet released. Changed only with Interlocked.
    private int _keyUsers;

    public Session(uint localIndex, uint remoteIndex, ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> receiveKey, bool isInitiator, TimeSpan created)
    {
        LocalIndex = localIndex;
        RemoteIndex = remoteIndex;
        sendKey.CopyTo(_sendKey);
        receiveKey.CopyTo(_receiveKey);
        IsInitiator = isInitiator;
        Created = created;
    }

    /// <summary>The index peers put in messages to us (our receiver index).</summary>
    public uint LocalIndex { get; }

    /// <summary>The index we put in messages to the peer.</summary>
    public uint RemoteIndex { get; }

    /// <summary>Whether we sent the initiation that created this session (only initiators rekey by age, §6.2).</summary>
    public bool IsInitiator { get; }

    public TimeSpan Created { get; }

    /// <summary>How many counters have been handed out (an upper bound on messages sent).</summary>
    public ulong SendCounter => (ulong)Volatile.Read(ref _nextSendCounter);

    public bool IsErased => (Volatile.Read(ref _keyUsers) & ErasedFlag) != 0;

    /// <summary>A session is usable until REJECT_AFTER_TIME after its creation (§6.2).</summary>
    public bool IsExpired(TimeSpan now) => IsErased || now - Created >= WireGuardConstants.RejectAfterTime;

    /// <summary>
    /// Takes the next counter and holds the keys until <see cref="ReleaseKeys"/>; false (holding nothing) once
    /// REJECT_AFTER_MESSAGES is reached (§6.2) or the session is erased.
    /// </summary>
    public bool TryReserveCounter(out ulong counter)
    {
        counter = 0;
        if (!TryAcquireKeys())
        {
            return false;
        }

        counter = (ulong)(Interlocked.Increment(ref _nextSendCounter) - 1);
        if (counter < WireGuardConstants.RejectAfterMessages)
        {
            return true;
        }

        ReleaseKeys();
        return false;
    }

    /// <summary>
    /// Keeps the keys from being zeroed until the matching <see cref="ReleaseKeys"/>; false (holding nothing) once
    /// the session is erased. The increment comes first, so an Erase either sees this user or is seen by it.
    /// </summary>
    public bool TryAcquireKeys()
    {
        if ((Interlocked.Increment(ref _keyUsers) & ErasedFlag) == 0)
        {
            return true;
        }

        ReleaseKeys();
        return false;
    }

    /// <summary>Ends one acquisition; the last user of an erased session zeroes its keys.</summary>
    public void ReleaseKeys()
    {
        if (Interlocked.Decrement(ref _keyUsers) == ErasedFlag)
        {
            ZeroKeys();
        }
    }

    /// <summary>
    /// Writes a transport message into destination: header, then the packet padded with zeros to
    /// paddedLength (§5.4.6: "zero padded to a multiple of 16") and sealed. Returns its length.
    /// The packet may already sit at destination[16..] (in place). The caller holds the keys (TryReserveCounter).
    /// </summary>
    public int Seal(ulong counter, ReadOnlySpan<byte> packet, int paddedLength, Span<byte> destination)
    {
        int total = TransportDataMessage.HeaderSize + paddedLength + Aead.TagSize;
        if (destination.Length < total || paddedLength < packet.Length)
        {
            CryptoErrors.ThrowDestinationTooSmall();
        }

        Span<byte> plaintext = destination.Slice(TransportDataMessage.HeaderSize, paddedLength);
        packet.CopyTo(plaintext); // no-op copy when the caller placed it there already
        plaintext[packet.Length..].Clear();

        var message = TransportDataMessage.Create(destination);
        message.ReceiverIndex = RemoteIndex;
        message.Counter = counter;
        TransportAead.Seal(_sendKey, counter, plaintext, destination.Slice(TransportDataMessage.HeaderSize, paddedLength + Aead.TagSize));
        return total;
    }

    /// <summary>The cheap replay check to run before decrypting (§5.4.6, RFC 6479).</summary>
    public bool IsCounterAcceptable(ulong counter) => counter < WireGuardConstants.RejectAfterMessages && _replay.IsAcceptable(counter);

    /// <summary>
    /// Decrypts a transport message's payload into destination; false when it fails authentication. The caller
    /// holds the keys (<see cref="TryAcquireKeys"/>).
    /// </summary>
    public bool Open(ulong counter, ReadOnlySpan<byte> ciphertext, Span<byte> destination) =>
        TransportAead.Open(_receiveKey, counter, ciphertext, destination);

    /// <summary>Marks the counter as received, after authentication; false if another thread got it first.</summary>
    public bool MarkCounterSeen(ulong counter) => _replay.TryMarkSeen(counter);

    /// <summary>
    /// Erases both keys (§6.3): the session refuses all further use at once, and its keys are zeroed now or, if a
    /// thread still holds them, when the last one releases them.
    /// </summary>
    public void Erase()
    {
        if (Interlocked.Or(ref _keyUsers, ErasedFlag) == 0)
        {
            ZeroKeys();
        }
    }

    // Runs only when no thread holds the keys and none can acquire them again; running twice is harmless.
    private void ZeroKeys()
    {
        NoiseCrypto.Zero(_sendKey);
        NoiseCrypto.Zero(_receiveKey);
    }

    internal static ulong ReadCounter(ReadOnlySpan<byte> message) =>
        BinaryPrimitives.ReadUInt64LittleEndian(message[TransportDataMessage.CounterOffset..]);
}
