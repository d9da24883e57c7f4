// Packets held while a handshake is pending, sent once it completes. Bounded: when full the oldest
// packet is dropped (as wireguard-go and the Linux driver do), since newer packets are likelier to matter.
// Buffers come from the shared pool, so queuing allocates nothing once warmed up; they hold plaintext,
// so each is zeroed before it goes back (the pool hands it to any code in the process next).
using System.Buffers;

namespace WgSharp.Noise;

internal sealed class PacketQueue
{
    private readonly Lock _lock = new();
    private readonly ArrayPool<byte> _pool;
    private readonly (byte[] Buffer, int Length)[] _ring;
    private int _head;
    private int _count;

    public PacketQueue(int capacity, ArrayPool<byte>? pool = null)
    {
        _ring = new (byte[], int)[capacity];
        _pool = pool ?? ArrayPool<byte>.Shared;
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Copies the packet in; returns false when the oldest packet had to be dropped to make room.</summary>
    public bool Enqueue(ReadOnlySpan<byte> packet)
    {
        byte[] buffer = _pool.Rent(packet.Length);
        packet.CopyTo(buffer);
        lock (_lock)
        {
            bool droppedOldest = false;
            if (_count == _ring.Length)
            {
                Return(_ring[_head]);
                _head = (_head + 1) % _ring.Length;
                _count--;
                droppedOldest = true;
            }

            _ring[(_head + _count) % _ring.Length] = (buffer, packet.Length);
            _count++;
            return !droppedOldest;
        }
    }

    /// <summary>Copies the oldest packet into destination and removes it; returns its length, or -1 if empty.</summary>
    public int TryDequeue(Span<byte> destination)
    {
        lock (_lock)
        {
            if (_count == 0)
            {
                return -1;
            }

            (byte[] buffer, int length) = _ring[_head];
            _ring[_head] = default;
            _head = (_head + 1) % _ring.Length;
            _count--;
            buffer.AsSpan(0, length).CopyTo(destination);
            Return((buffer, length));
            return length;
        }
    }

    /// <summary>Drops every queued packet; returns how many.</summary>
    public int Clear()
    {
        lock (_lock)
        {
            int dropped = _count;
            while (_count > 0)
            {
                Return(_ring[_head]);
                _ring[_head] = default;
                _head = (_head + 1) % _ring.Length;
                _count--;
            }

            return dropped;
        }
    }

    private void Return((byte[] Buffer, int Length) entry)
    {
        entry.Buffer.AsSpan(0, entry.Length).Clear();
        _pool.Return(entry.Buffer);
    }
}
