// The in-memory twin of UdpBind: one "host" on an InMemoryUdpNetwork with an IPv4 and/or IPv6 address and a port.
using System.Buffers;
using System.Net.Sockets;
using WgSharp.Tun.Interop;

namespace WgSharp.Tun.InMemory;

/// <summary>
/// An <see cref="IUdpBind"/> on an <see cref="InMemoryUdpNetwork"/>. Received endpoints carry the sender as
/// remote and this bind's address as sticky source (interface index 1), as IP_PKTINFO would; sending with a
/// sticky source this bind does not own clears it and sends anyway, as UdpBind does on EINVAL.
/// Datagrams are copied (test infrastructure). Thread safety: all members may be used from any thread.
/// </summary>
internal sealed class InMemoryUdpBind : IUdpBind
{
    /// <summary>The interface index reported in received endpoints' sticky source.</summary>
    public const int InterfaceIndex = 1;

    private readonly InMemoryUdpNetwork _network;
    private readonly PacketQueue<(byte[] Data, UdpEndpoint From)> _inbound4;
    private readonly PacketQueue<(byte[] Data, UdpEndpoint From)> _inbound6;
    private volatile bool _closed;
    private long _droppedReceives;

    internal InMemoryUdpBind(InMemoryUdpNetwork network, UdpEndpoint? localIPv4, UdpEndpoint? localIPv6, ushort port,
        int capacity)
    {
        _network = network;
        LocalIPv4 = localIPv4;
        LocalIPv6 = localIPv6;
        Port = port;
        _inbound4 = new PacketQueue<(byte[], UdpEndpoint)>(capacity);
        _inbound6 = new PacketQueue<(byte[], UdpEndpoint)>(capacity);
    }

    /// <summary>This bind's IPv4 address and port as peers address it, or null.</summary>
    public UdpEndpoint? LocalIPv4 { get; }

    /// <summary>This bind's IPv6 address and port as peers address it, or null.</summary>
    public UdpEndpoint? LocalIPv6 { get; }

    public ushort Port { get; }

    public int BatchSize => 128;

    /// <summary>The last value given to <see cref="SetMark"/>.</summary>
    public uint Mark { get; private set; }

    /// <summary>Datagrams received that did not fit the caller's buffer.</summary>
    public long DroppedReceives => Interlocked.Read(ref _droppedReceives);

    public bool Supports(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => LocalIPv4 is not null,
        AddressFamily.InterNetworkV6 => LocalIPv6 is not null,
        _ => false,
    };

    public int Receive(AddressFamily family, byte[][] buffers, int[] sizes, UdpEndpoint[] endpoints, int offset)
    {
        if (!Supports(family))
        {
            ThrowHelper.ThrowArgument($"This bind has no {family} address; check Supports first.", nameof(family));
        }
        ArgumentNullException.ThrowIfNull(buffers);
        int batch = Math.Min(buffers.Length, BatchSize);
        if (batch == 0 || sizes.Length < batch || endpoints.Length < batch || offset < 0)
        {
            ThrowHelper.ThrowArgument("Need at least one buffer, as many sizes and endpoints, and offset >= 0.", nameof(buffers));
        }
        PacketQueue<(byte[] Data, UdpEndpoint From)> queue = family == AddressFamily.InterNetwork ? _inbound4 : _inbound6;
        (byte[] Data, UdpEndpoint From)[] taken = ArrayPool<(byte[], UdpEndpoint)>.Shared.Rent(batch);
        try
        {
            while (true)
            {
                int count = queue.DequeueBatch(taken.AsSpan(0, batch));
                if (count == 0)
                {
                    return 0;
                }
                int kept = 0;
                for (int i = 0; i < count; i++)
                {
                    (byte[] data, UdpEndpoint from) = taken[i];
                    if (data.Length > buffers[kept].Length - offset)
                    {
                        Interlocked.Increment(ref _droppedReceives);
                        continue;
                    }
                    data.CopyTo(buffers[kept].AsSpan(offset));
                    sizes[kept] = data.Length;
                    endpoints[kept] = from;
                    kept++;
                }
                if (kept > 0)
                {
                    return kept;
                }
            }
        }
        finally
        {
            ArrayPool<(byte[], UdpEndpoint)>.Shared.Return(taken, clearArray: true);
        }
    }

    public UdpSendResult Send(byte[][] buffers, int[] sizes, int count, int offset, ref UdpEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentNullException.ThrowIfNull(sizes);
        if ((uint)count > (uint)buffers.Length || sizes.Length < count || offset < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(count), "count, sizes or offset do not match the buffers.");
        }
        if (endpoint.IsEmpty)
        {
            ThrowHelper.ThrowArgument("Cannot send to the empty endpoint.", nameof(endpoint));
        }
        if (_closed)
        {
            return new UdpSendResult(0, LibC.EBADF);
        }
        UdpEndpoint? local = endpoint.Family == AddressFamily.InterNetwork ? LocalIPv4 : LocalIPv6;
        if (local is not { } from)
        {
            return new UdpSendResult(0, LibC.EAFNOSUPPORT);
        }
        if (endpoint.HasSource && !SourceIsOurs(endpoint, from))
        {
            endpoint = endpoint.WithoutSource();
        }
        for (int i = 0; i < count; i++)
        {
            if (sizes[i] < 0 || sizes[i] > buffers[i].Length - offset)
            {
                ThrowHelper.ThrowArgument($"sizes[{i}] does not fit buffers[{i}] past offset {offset}.", nameof(sizes));
            }
            _network.Deliver(from, endpoint, buffers[i].AsSpan(offset, sizes[i]));
        }
        return new UdpSendResult(count, 0);
    }

    public void SetMark(uint mark) => Mark = mark;

    public void Close() => Dispose();

    public void Dispose()
    {
        if (_closed)
        {
            return;
        }
        _closed = true;
        _network.Unregister(this);
        _inbound4.Close();
        _inbound6.Close();
    }

    /// <summary>Called by the network: queues a copy addressed to <paramref name="to"/> (one of our addresses).</summary>
    internal bool Enqueue(UdpEndpoint from, UdpEndpoint to, ReadOnlySpan<byte> datagram)
    {
        Span<byte> local = stackalloc byte[16];
        int length = to.CopyAddressTo(local);
        UdpEndpoint received = from.WithSource(local[..length], InterfaceIndex);
        PacketQueue<(byte[], UdpEndpoint)> queue = to.Family == AddressFamily.InterNetwork ? _inbound4 : _inbound6;
        return !_closed && queue.TryEnqueue((datagram.ToArray(), received));
    }

    private static bool SourceIsOurs(in UdpEndpoint endpoint, in UdpEndpoint local)
    {
        Span<byte> source = stackalloc byte[16];
        Span<byte> own = stackalloc byte[16];
        int length = endpoint.CopySourceAddressTo(source);
        local.CopyAddressTo(own);
        return source[..length].SequenceEqual(own[..length]);
    }
}
