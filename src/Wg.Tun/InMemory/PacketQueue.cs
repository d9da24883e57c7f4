// A bounded, closable FIFO for the in-memory twins: producers never block (a full queue drops, like a kernel
// queue), consumers block until something arrives or the queue is closed.
namespace WgSharp.Tun.InMemory;

internal sealed class PacketQueue<T>
{
    private readonly object _lock = new();
    private readonly Queue<T> _items; // guarded by _lock
    private readonly int _capacity;
    private bool _closed; // guarded by _lock

    public PacketQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _items = new Queue<T>(Math.Min(capacity, 1024));
    }

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>False when the queue is full or closed.</summary>
    public bool TryEnqueue(T item)
    {
        lock (_lock)
        {
            if (_closed || _items.Count >= _capacity)
            {
                return false;
            }
            _items.Enqueue(item);
            Monitor.PulseAll(_lock);
            return true;
        }
    }

    /// <summary>Blocks until at least one item is queued, then moves up to destination.Length items; 0 once closed.</summary>
    public int DequeueBatch(Span<T> destination)
    {
        lock (_lock)
        {
            while (_items.Count == 0 && !_closed)
            {
                Monitor.Wait(_lock);
            }
            if (_closed)
            {
                return 0;
            }
            int count = 0;
            while (count < destination.Length && _items.TryDequeue(out T? item))
            {
                destination[count++] = item;
            }
            return count;
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for one item; false on timeout or when closed and empty.</summary>
    public bool TryDequeue(out T item, TimeSpan timeout)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_lock)
        {
            while (_items.Count == 0 && !_closed)
            {
                long remaining = deadline - Environment.TickCount64;
                if (remaining <= 0)
                {
                    break;
                }
                Monitor.Wait(_lock, TimeSpan.FromMilliseconds(remaining));
            }
            return _items.TryDequeue(out item!);
        }
    }

    /// <summary>Wakes all consumers; later DequeueBatch calls return 0 and TryEnqueue fails.</summary>
    public void Close()
    {
        lock (_lock)
        {
            _closed = true;
            Monitor.PulseAll(_lock);
        }
    }
}
