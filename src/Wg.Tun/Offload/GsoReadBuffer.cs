// The read side of TUN offloads: one record (virtio header + packet, up to 64 KiB) read from the TUN and handed
// out as segments across as many Read calls as the callers' batches need.
namespace WgSharp.Tun.Offload;

/// <summary>
/// Holds the last record read from an IFF_VNET_HDR TUN and the index of the next segment to hand out, so a
/// super-packet with more segments than the caller has buffers is finished on the next call instead of being
/// dropped. Not thread-safe: one reader at a time (TunDevice serialises Read).
/// </summary>
internal sealed class GsoReadBuffer
{
    /// <summary>The largest record: the header plus an IPv6 packet whose payload length is 65535.</summary>
    public const int Capacity = VirtioNetHeader.Size + 40 + 65535;

    private GsoPacket _packet;
    private int _next;

    /// <summary>Where read(2) puts each record; pinned (pinned-object heap), as every read targets it.</summary>
    public byte[] Buffer { get; } = GC.AllocateUninitializedArray<byte>(Capacity, pinned: true);

    /// <summary>Records loaded that held more than one segment (diagnostics and tests).</summary>
    public long SuperPackets { get; private set; }

    /// <summary>Segments of the loaded record not yet handed out.</summary>
    public int Pending => _packet.SegmentCount - _next;

    /// <summary>
    /// Takes the record of <paramref name="length"/> bytes that was read into <see cref="Buffer"/>. False when it
    /// is malformed (nothing is pending then; the caller counts a dropped read).
    /// </summary>
    public bool Load(int length)
    {
        _packet = default;
        _next = 0;
        if (length < VirtioNetHeader.Size || length > Capacity)
        {
            return false;
        }
        VirtioNetHeader header = VirtioNetHeader.Read(Buffer);
        if (!GsoPacket.TryParse(header, Buffer.AsSpan(VirtioNetHeader.Size, length - VirtioNetHeader.Size), out GsoPacket packet))
        {
            return false;
        }
        _packet = packet;
        if (packet.SegmentCount > 1)
        {
            SuperPackets++;
        }
        return true;
    }

    /// <summary>
    /// Writes pending segments into <c>buffers[start..]</c> from <paramref name="offset"/>, their lengths into
    /// <paramref name="sizes"/>. A segment that does not fit its buffer is skipped and counted in
    /// <paramref name="dropped"/>. Returns the index after the last buffer filled.
    /// A record not yet started whose segments do not all fit behind packets already in the batch is left whole for
    /// the next call: a super-packet then travels as one batch, one GSO send and one coalesced write at the far end.
    /// </summary>
    public int Drain(byte[][] buffers, int[] sizes, int offset, int start, ref long dropped)
    {
        if (_next == 0 && start > 0 && start + _packet.SegmentCount > buffers.Length)
        {
            return start;
        }
        ReadOnlySpan<byte> packet = Buffer.AsSpan(VirtioNetHeader.Size, _packet.Length);
        int index = start;
        while (index < buffers.Length && _next < _packet.SegmentCount)
        {
            int segment = _next++;
            int length = _packet.SegmentLength(segment);
            byte[] buffer = buffers[index];
            if (buffer.Length - offset < length)
            {
                Interlocked.Increment(ref dropped);
                continue;
            }
            sizes[index] = _packet.WriteSegment(packet, segment, buffer.AsSpan(offset, length));
            index++;
        }
        return index;
    }
}
