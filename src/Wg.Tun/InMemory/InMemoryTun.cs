// The in-memory twin of TunDevice: test code plays the kernel, injecting packets and collecting written ones.
using System.Buffers;
using System.Threading.Channels;
using WgSharp.Tun.Interop;

namespace WgSharp.Tun.InMemory;

/// <summary>
/// An <see cref="ITunDevice"/> whose "kernel side" is two bounded queues. <see cref="InjectPacket"/> makes a
/// packet readable, as if the kernel routed it to the interface; <see cref="TryTakeWritten"/> returns what the
/// device wrote. Mirrors the kernel's behaviour where it matters to callers: non-IP packets written are dropped
/// and counted, oversized reads are dropped, and deletion makes Read/Write throw <see cref="TunException"/>.
/// Packets are copied in and out (test infrastructure, not a data path); Read itself allocates nothing.
/// Thread safety: all members may be used from any thread.
/// </summary>
internal sealed class InMemoryTun : ITunDevice
{
    private readonly PacketQueue<byte[]> _inbound;
    private readonly PacketQueue<byte[]> _outbound;
    private readonly Channel<TunEvent> _events = Channel.CreateUnbounded<TunEvent>();
    private volatile int _mtu;
    private volatile bool _deleted;
    private volatile bool _closed;
    private long _droppedReads;
    private long _droppedWrites;

    public InMemoryTun(string name = "mem0", int mtu = 1420, int capacity = 1024)
    {
        Name = name;
        _mtu = mtu;
        _inbound = new PacketQueue<byte[]>(capacity);
        _outbound = new PacketQueue<byte[]>(capacity);
    }

    public string Name { get; }

    public int Mtu => _mtu;

    public int BatchSize => 128;

    public ChannelReader<TunEvent> Events => _events.Reader;

    public long DroppedReads => Interlocked.Read(ref _droppedReads);

    public long DroppedWrites => Interlocked.Read(ref _droppedWrites);

    /// <summary>Packets written by the device and not yet taken.</summary>
    public int WrittenCount => _outbound.Count;

    /// <summary>Queues a copy of <paramref name="packet"/> for Read; false if the queue is full or the device closed.</summary>
    public bool InjectPacket(ReadOnlySpan<byte> packet) => !_closed && !_deleted && _inbound.TryEnqueue(packet.ToArray());

    /// <summary>Takes the oldest packet the device wrote, waiting up to <paramref name="timeout"/>.</summary>
    public bool TryTakeWritten(out byte[] packet, TimeSpan timeout) => _outbound.TryDequeue(out packet, timeout);

    /// <summary>Changes the MTU as "ip link set mtu" would, raising <see cref="TunEventKind.MtuChanged"/>.</summary>
    public void SetMtu(int mtu)
    {
        _mtu = mtu;
        _events.Writer.TryWrite(new TunEvent(TunEventKind.MtuChanged, mtu));
    }

    /// <summary>Raises Up or Down.</summary>
    public void SetLinkState(bool up) =>
        _events.Writer.TryWrite(new TunEvent(up ? TunEventKind.Up : TunEventKind.Down, _mtu));

    /// <summary>Acts as "ip link del": raises Deleted, wakes readers, and makes Read/Write throw.</summary>
    public void SimulateDeletion()
    {
        _deleted = true;
        _events.Writer.TryWrite(new TunEvent(TunEventKind.Deleted, _mtu));
        _events.Writer.TryComplete();
        _inbound.Close();
    }

    public int Read(byte[][] buffers, int[] sizes, int offset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentNullException.ThrowIfNull(sizes);
        if (buffers.Length == 0 || sizes.Length < buffers.Length || offset < 0)
        {
            ThrowHelper.ThrowArgument("Need at least one buffer, as many sizes, and a non-negative offset.", nameof(buffers));
        }
        int batch = Math.Min(buffers.Length, BatchSize);
        byte[][] taken = ArrayPool<byte[]>.Shared.Rent(batch);
        try
        {
            return ReadInto(buffers, sizes, offset, taken.AsSpan(0, batch));
        }
        finally
        {
            ArrayPool<byte[]>.Shared.Return(taken, clearArray: true);
        }
    }

    private int ReadInto(byte[][] buffers, int[] sizes, int offset, Span<byte[]> taken)
    {
        while (true)
        {
            ThrowIfDeleted();
            int count = _inbound.DequeueBatch(taken);
            if (count == 0)
            {
                ThrowIfDeleted();
                return 0;
            }
            int kept = 0;
            for (int i = 0; i < count; i++)
            {
                byte[] packet = taken[i];
                if (packet.Length > buffers[kept].Length - offset)
                {
                    Interlocked.Increment(ref _droppedReads);
                    continue;
                }
                packet.CopyTo(buffers[kept].AsSpan(offset));
                sizes[kept++] = packet.Length;
            }
            if (kept > 0)
            {
                return kept;
            }
        }
    }

    public void Write(byte[][] buffers, int[] sizes, int count, int offset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentNullException.ThrowIfNull(sizes);
        if ((uint)count > (uint)buffers.Length || sizes.Length < count || offset < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(count), "count, sizes or offset do not match the buffers.");
        }
        ThrowIfDeleted();
        if (_closed)
        {
            return;
        }
        for (int i = 0; i < count; i++)
        {
            if (sizes[i] <= 0 || sizes[i] > buffers[i].Length - offset)
            {
                ThrowHelper.ThrowArgument($"sizes[{i}] does not fit buffers[{i}] past offset {offset}.", nameof(sizes));
            }
            ReadOnlySpan<byte> packet = buffers[i].AsSpan(offset, sizes[i]);
            int version = packet[0] >> 4;
            // The kernel's tun_get_user rejects anything that is not IPv4 or IPv6 with EINVAL.
            if ((version != 4 && version != 6) || !_outbound.TryEnqueue(packet.ToArray()))
            {
                Interlocked.Increment(ref _droppedWrites);
            }
        }
    }

    public void Close() => Dispose();

    public void Dispose()
    {
        _closed = true;
        _inbound.Close();
        _events.Writer.TryComplete();
    }

    private void ThrowIfDeleted()
    {
        if (_deleted && !_closed)
        {
            throw new TunException($"The TUN interface '{Name}' no longer exists: it was deleted.", LibC.EBADFD);
        }
    }
}
