// The hand-off between pipeline threads: a queue whose reader blocks in Monitor.Wait and is woken directly by the
// writer, instead of a Channel whose waiters are completed through the thread pool.
namespace WgSharp.Router.Device;

/// <summary>
/// A FIFO of batches for dedicated threads. Unbounded by itself: the batch pools bound what can be in it, and its
/// array grows at most to that once. A blocked reader is woken by the writer's Monitor.Pulse (one futex wake), so a
/// hand-off costs no thread-pool work item and no Task, which matter on a machine with two cores and a dozen
/// busy threads. Thread safety: any number of writers and readers; every field is guarded by <c>_items</c>'s lock.
/// </summary>
internal sealed class BatchQueue<T>
    where T : class
{
    private readonly Queue<T> _items;
    private int _waiting;
    private bool _completed;

    public BatchQueue(int capacity)
    {
        _items = new Queue<T>(capacity);
    }

    /// <summary>Items queued now.</summary>
    public int Count
    {
        get
        {
            lock (_items)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Queues an item and wakes one waiting reader; false once completed.</summary>
    public bool TryWrite(T item)
    {
        lock (_items)
        {
            if (_completed)
            {
                return false;
            }
            _items.Enqueue(item);
            if (_waiting > 0)
            {
                Monitor.Pulse(_items);
            }
            return true;
        }
    }

    /// <summary>Takes an item if one is queued, without waiting.</summary>
    public bool TryRead(out T item)
    {
        lock (_items)
        {
            return _items.TryDequeue(out item!);
        }
    }

    /// <summary>Waits for an item; false once the queue is completed and empty.</summary>
    public bool TryReadBlocking(out T item)
    {
        lock (_items)
        {
            while (!_items.TryDequeue(out item!))
            {
                if (_completed)
                {
                    return false;
                }
                _waiting++;
                try
                {
                    Monitor.Wait(_items);
                }
                finally
                {
                    _waiting--;
                }
            }
            return true;
        }
    }

    /// <summary>No more items: readers drain what is queued, then get false.</summary>
    public void Complete()
    {
        lock (_items)
        {
            _completed = true;
            Monitor.PulseAll(_items);
        }
    }
}
