// The receive side of UDP GRO: datagrams received into 64 KiB buffers (a coalesced receive holds several of one
// size, udp(7) UDP_GRO), handed out one datagram per caller buffer across as many Receive calls as it takes.
namespace WgSharp.Tun.Offload;

/// <summary>
/// A socket with UDP_GRO may return up to 64 KiB of same-size datagrams from one sender in one message, so it is
/// read into buffers of that size owned by the bind, then copied out one datagram per caller buffer (wireguard-go
/// splits the same way). What does not fit the caller's batch stays for the next call, in order. The buffers are
/// allocated on first use (a family never received on costs nothing). Not thread-safe: callers hold <see cref="Sync"/>.
/// </summary>
internal sealed class UdpGroBuffer
{
    /// <summary>Messages per recvmmsg: enough that uncoalesced traffic still moves in useful batches.</summary>
    public const int MessageCount = 16;

    /// <summary>More than any UDP payload (65535 minus the headers), so a coalesced receive is never truncated.</summary>
    public const int MessageSize = 65536;

    private int _count;
    private int _current;
    private int _position;

    public Lock Sync { get; } = new();

    /// <summary>Receive buffers (pinned), their received lengths, GRO segment sizes (0: one datagram) and senders.</summary>
    public byte[][] Messages { get; private set; } = [];

    public int[] Lengths { get; } = new int[MessageCount];

    public int[] SegmentSizes { get; } = new int[MessageCount];

    public UdpEndpoint[] Endpoints { get; } = new UdpEndpoint[MessageCount];

    /// <summary>Received messages that held more than one datagram.</summary>
    public long Coalesced { get; private set; }

    public bool HasPending => _current < _count;

    /// <summary>Allocates the receive buffers the first time.</summary>
    public void EnsureAllocated()
    {
        if (Messages.Length == 0)
        {
            var messages = new byte[MessageCount][];
            for (int i = 0; i < MessageCount; i++)
            {
                messages[i] = GC.AllocateUninitializedArray<byte>(MessageSize, pinned: true);
            }
            Messages = messages;
        }
    }

    /// <summary>Takes the first <paramref name="count"/> messages just received (lengths, sizes and endpoints filled in).</summary>
    public void Load(int count)
    {
        _count = count;
        _current = 0;
        _position = 0;
        for (int i = 0; i < count; i++)
        {
            if (SegmentSizes[i] > 0 && SegmentSizes[i] < Lengths[i])
            {
                Coalesced++;
            }
        }
    }

    /// <summary>
    /// Copies pending datagrams into <c>buffers[start..limit)</c> from <paramref name="offset"/>, with their sizes and
    /// senders. A datagram larger than its buffer is dropped and counted in <paramref name="dropped"/>. Returns the
    /// index after the last buffer filled. A coalesced message not yet started whose datagrams do not all fit behind
    /// those already in the batch is left whole for the next call, so what the sender sent as one GSO message (one
    /// super-packet, typically) stays one batch.
    /// </summary>
    public int Drain(byte[][] buffers, int[] sizes, UdpEndpoint[] endpoints, int offset, int start, int limit, ref long dropped)
    {
        int index = start;
        while (index < limit && _current < _count)
        {
            int total = Lengths[_current];
            if (_position == 0 && index > 0 && SegmentSizes[_current] > 0
                && index + (total + SegmentSizes[_current] - 1) / SegmentSizes[_current] > limit)
            {
                break;
            }
            int segment = SegmentSizes[_current] > 0 ? Math.Min(SegmentSizes[_current], total - _position) : total - _position;
            byte[] buffer = buffers[index];
            if (segment <= buffer.Length - offset)
            {
                Messages[_current].AsSpan(_position, segment).CopyTo(buffer.AsSpan(offset));
                sizes[index] = segment;
                endpoints[index] = Endpoints[_current];
                index++;
            }
            else
            {
                dropped++;
            }
            _position += segment;
            if (_position >= total)
            {
                _current++;
                _position = 0;
            }
        }
        return index;
    }
}
