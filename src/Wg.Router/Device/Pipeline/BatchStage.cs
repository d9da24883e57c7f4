// What the outbound and inbound pipelines share: the pools of free batches, the crypto workers' queue,
// and the hand-off of a batch from the thread that read it to the crypto stage and its in-order stage.
// Each direction has its own pool, so a flood one way cannot take the other way's batches.
using WgSharp.Noise;

namespace WgSharp.Router.Device;

internal sealed class BatchStage(TunnelDirectory directory)
{
    /// <summary>
    /// Packets per batch: what one TUN read or one UDP receive may return. 64 holds the segments of a whole 64 KiB
    /// TSO super-packet at the usual MTUs (45 at 1420), so it stays together: one GSO send, one GRO receive at the
    /// peer, one coalesced TUN write there; and each hand-off between threads moves twice as much as with 32.
    /// </summary>
    public const int BatchCapacity = 64;

    /// <summary>Batches per direction at most: bounds the memory in flight (each buffer is 64 KiB of address space; only
    /// the pages packets touch become resident). They are made as traffic needs them (PacketBatchPool).</summary>
    public const int BatchesPerDirection = 6;

    /// <summary>
    /// A batch with at most this many packets to seal or open is processed by the thread that read it instead of a
    /// crypto worker: for a few packets (TCP ACKs coming back, light traffic) waking a worker and then the in-order
    /// stage costs more than the crypto itself. Batches that large only arrive when the reader is ahead.
    /// </summary>
    public const int InlineCryptoPackets = 8;

    private readonly PacketBatchPool _freeOutbound = new(BatchesPerDirection, BatchCapacity, isInbound: false);
    private readonly PacketBatchPool _freeInbound = new(BatchesPerDirection, BatchCapacity, isInbound: true);
    private readonly BatchQueue<PacketBatch> _crypto = new(2 * BatchesPerDirection);

    /// <summary>Waits for a free batch of a direction; false once the device is closing.</summary>
    public bool TryTakeFree(bool inbound, out PacketBatch batch) =>
        (inbound ? _freeInbound : _freeOutbound).TryReadBlocking(out batch);

    /// <summary>Empties a batch and returns it to its direction's pool.</summary>
    public void Recycle(PacketBatch batch)
    {
        batch.Reset();
        (batch.IsInbound ? _freeInbound : _freeOutbound).TryWrite(batch);
    }

    /// <summary>
    /// Passes on a batch with <paramref name="toProcess"/> packets to seal or open: processed here when there are few
    /// (<see cref="InlineCryptoPackets"/>), else by a crypto worker; either way it then goes to
    /// <paramref name="inOrder"/>, whose single thread waits for <see cref="PacketBatch.Processed"/>. The reader's order
    /// is the in-order stage's order. False when the device is closing (the batch's reservations have ended).
    /// </summary>
    public bool Dispatch(PacketBatch batch, int toProcess, BatchQueue<PacketBatch> inOrder)
    {
        if (toProcess <= InlineCryptoPackets)
        {
            Process(batch);
            batch.Processed.Set();
            inOrder.TryWrite(batch);
            return true;
        }

        // Crypto first: once Close has completed the crypto queue, a batch must not reach the in-order stage, which
        // would wait for processing that never comes.
        if (!_crypto.TryWrite(batch))
        {
            batch.Reset();
            return false;
        }

        inOrder.TryWrite(batch);
        return true;
    }

    /// <summary>A crypto worker (several threads): seal outbound batches, open inbound ones.</summary>
    public void CryptoLoop()
    {
        while (_crypto.TryReadBlocking(out PacketBatch batch))
        {
            Process(batch);
            batch.Processed.Set();
        }
    }

    /// <summary>Wakes every thread waiting for a free batch or for crypto work (the device is closing).</summary>
    public void Complete()
    {
        _freeOutbound.Complete();
        _freeInbound.Complete();
        _crypto.Complete();
    }

    private void Process(PacketBatch batch)
    {
        if (batch.IsInbound)
        {
            InboundPipeline.OpenBatch(directory, batch);
        }
        else
        {
            OutboundPipeline.SealBatch(batch);
        }
    }
}
