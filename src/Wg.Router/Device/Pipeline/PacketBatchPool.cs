// The free batches of one direction, made on demand: a reader takes a free one if there is one, makes a
// new one while fewer than the limit exist, and only then waits. An idle or lightly used device keeps
// two batches a direction (the one a reader holds and the one coming back), not the limit: each batch
// is 64 buffers whose object headers alone make 64 pages resident.
namespace WgSharp.Router.Device;

/// <summary>
/// A pool of <see cref="PacketBatch"/>es that grows to <c>limit</c> with traffic. Thread safety: any number
/// of takers and returners; <c>_created</c> is changed only through Interlocked.
/// </summary>
internal sealed class PacketBatchPool(int limit, int batchCapacity, bool isInbound)
{
    private readonly BatchQueue<PacketBatch> _free = new(limit);
    private int _created;
    private volatile bool _completed;

    /// <summary>Batches made so far.</summary>
    public int Created => Volatile.Read(ref _created);

    /// <summary>A free batch, a new one while under the limit, or one returned later; false once completed and drained.</summary>
    public bool TryReadBlocking(out PacketBatch batch)
    {
        if (!_completed && (_free.TryRead(out batch!) || TryCreate(out batch!)))
        {
            return true;
        }

        return _free.TryReadBlocking(out batch);
    }

    /// <summary>Gives a batch back; false once completed.</summary>
    public bool TryWrite(PacketBatch batch) => _free.TryWrite(batch);

    /// <summary>No more batches: takers drain what is free, then get false.</summary>
    public void Complete()
    {
        _completed = true;
        _free.Complete();
    }

    private bool TryCreate(out PacketBatch batch)
    {
        int created = Volatile.Read(ref _created);
        while (created < limit)
        {
            int seen = Interlocked.CompareExchange(ref _created, created + 1, created);
            if (seen == created)
            {
                batch = new PacketBatch(batchCapacity, isInbound);
                return true;
            }

            created = seen;
        }

        batch = null!;
        return false;
    }
}
