// A bounded, closable FIFO for the in-memory twins: producers never block (a full queue drops, like a kernel
// queue), consumers block until something arrives or the queue is closed.
namespace WgSharp.Tun.InMemory;

internal sealed class PacketQueue<T>
{
    private readonly object _lock = new();
    private readonly Queue<T> _items; // guarded by _lock
    private readonly int _capacity;
    private readonly TimeProvider _clock;
    private bool _closed; // guarded by _lock

    /// <param name="clock">Measures the timed TryDequeue's timeout; the system clock when null.</param>
    public PacketQueue(int capacity, TimeProvider? clock = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _clock = clock ?? TimeProvider.System;
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
        long started = _clock.GetTimestamp();
        lock (_lock)
        {
            while (_items.Count == 0 && !_closed)
            {
                TimeSpan remaining = timeout - _clock.GetElapsedTime(started);
                if (remaining <= TimeSpan.Zero)
                {
                    break;
                }
                Monitor.Wait(_lock, remaining);
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
