// Packets held while a handshake is pending, sent once it completes. Bounded: when full the oldest
// packet is dropped (as wireguard-go and the Linux driver do), since newer packets are likelier to matter.
// Buffers come from the shared pool, so queuing allocates nothing once warmed up.
using System.Buffers;

namespace WgSharp.Noise;

internal sealed class PacketQueue
{
    private readonly Lock _lock = new();
    private readonly (byte[] Buffer, int Length)[] _ring;
    private int _head;
    private int _count;

    public PacketQueue(int capacity)
    {
        _ring = new (byte[], int)[capacity];
    }

    public int Count => Volatile.Read(ref _count);

    /// <summary>Copies the packet in; returns false when the oldest packet had to be dropped to make room.</summary>
    public bool Enqueue(ReadOnlySpan<byte> packet)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(packet.Length);
        packet.CopyTo(buffer);
        lock (_lock)
        {
            bool droppedOldest = false;
            if (_count == _ring.Length)
            {
                ArrayPool<byte>.Shared.Return(_ring[_head].Buffer);
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
            ArrayPool<byte>.Shared.Return(buffer);
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
                ArrayPool<byte>.Shared.Return(_ring[_head].Buffer);
                _ring[_head] = default;
                _head = (_head + 1) % _ring.Length;
                _count--;
            }

            return dropped;
        }
    }
}
