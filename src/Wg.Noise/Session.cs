// One transport keypair of a peer (whitepaper §5.4.5–5.4.6): the two keys derived by a handshake,
// both receiver indices, the send counter and the replay window. Immutable but for the counter and
// window, so the data plane uses it from several threads without the peer's lock.
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

    // The next counter to use; incremented atomically by senders (§5.4.6 "nonce").
    private long _nextSendCounter;
    private volatile bool _erased;

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

    public bool IsErased => _erased;

    /// <summary>A session is usable until REJECT_AFTER_TIME after its creation (§6.2).</summary>
    public bool IsExpired(TimeSpan now) => _erased || now - Created >= WireGuardConstants.RejectAfterTime;

    /// <summary>Takes the next counter; false once REJECT_AFTER_MESSAGES is reached (§6.2).</summary>
    public bool TryReserveCounter(out ulong counter)
    {
        counter = (ulong)(Interlocked.Increment(ref _nextSendCounter) - 1);
        return counter < WireGuardConstants.RejectAfterMessages && !_erased;
    }

    /// <summary>
    /// Writes a transport message into destination: header, then the packet padded with zeros to
    /// paddedLength (§5.4.6: "zero padded to a multiple of 16") and sealed. Returns its length.
    /// The packet may already sit at destination[16..] (in place).
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

    /// <summary>Decrypts a transport message's payload into destination; false when it fails authentication.</summary>
    public bool Open(ulong counter, ReadOnlySpan<byte> ciphertext, Span<byte> destination) =>
        !_erased && TransportAead.Open(_receiveKey, counter, ciphertext, destination);

    /// <summary>Marks the counter as received, after authentication; false if another thread got it first.</summary>
    public bool MarkCounterSeen(ulong counter) => _replay.TryMarkSeen(counter);

    /// <summary>Erases both keys (§6.3); the session refuses all further use.</summary>
    public void Erase()
    {
        _erased = true;
        NoiseCrypto.Zero(_sendKey);
        NoiseCrypto.Zero(_receiveKey);
    }

    internal static ulong ReadCounter(ReadOnlySpan<byte> message) =>
        BinaryPrimitives.ReadUInt64LittleEndian(message[TransportDataMessage.CounterOffset..]);
}
