// The TUN edge as the device pipeline sees it; TunDevice is the kernel one, InMemoryTun the test twin.
using System.Threading.Channels;

namespace WgSharp.Tun;

/// <summary>
/// A layer-3 packet device, batch-shaped so that offloads (IFF_VNET_HDR with GSO/GRO) can return or accept
/// several packets per call without changing callers (wireguard-go <c>tun/tun.go</c>).
/// Read and Write may be called from different threads concurrently; Close may be called from any thread
/// and wakes a blocked Read.
/// </summary>
public interface ITunDevice : IDisposable
{
    /// <summary>The interface name the kernel assigned.</summary>
    string Name { get; }

    /// <summary>The current interface MTU.</summary>
    int Mtu { get; }

    /// <summary>How many buffers are worth passing to one <see cref="Read"/> or <see cref="Write"/>.</summary>
    int BatchSize { get; }

    /// <summary>Link changes: up/down, MTU, deletion, namespace move. Completed when no more can come.</summary>
    ChannelReader<TunEvent> Events { get; }

    /// <summary>Packets the device received but had to drop (larger than the caller's buffer).</summary>
    long DroppedReads { get; }

    /// <summary>Packets the kernel refused in <see cref="Write"/> (not IPv4/IPv6, out of memory).</summary>
    long DroppedWrites { get; }

    /// <summary>
    /// Blocks until at least one packet is available, then fills <c>buffers[i]</c> from <paramref name="offset"/>
    /// with packet i and <c>sizes[i]</c> with its length, taking as many more as are ready without blocking
    /// (at most <c>buffers.Length</c>). Returns the packet count, or 0 once the device is closed.
    /// Throws <see cref="TunException"/> when the interface was deleted.
    /// </summary>
    int Read(byte[][] buffers, int[] sizes, int offset);

    /// <summary>
    /// Hands <paramref name="count"/> packets to the kernel, packet i being <c>sizes[i]</c> bytes of
    /// <c>buffers[i]</c> starting at <paramref name="offset"/> (the headroom before it is left for offload headers:
    /// give at least 10 bytes, or each packet is copied). The buffers and <paramref name="sizes"/> are the device's
    /// to change during the call: with offloads, packets of one TCP/UDP flow are coalesced into the first one's
    /// buffer (as far as its length allows) and headers rewritten. Packets the kernel rejects are counted in
    /// <see cref="DroppedWrites"/>; after Close packets are discarded.
    /// Throws <see cref="TunException"/> when the interface was deleted.
    /// </summary>
    void Write(byte[][] buffers, int[] sizes, int count, int offset);

    /// <summary>Closes the device (same as Dispose); wakes blocked readers, which then return 0.</summary>
    void Close();
}
