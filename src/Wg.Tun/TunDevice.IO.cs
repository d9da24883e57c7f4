// TunDevice packet I/O on the non-blocking fd, waiting in poll(2) when idle: one read(2)/write(2) per packet on a
// plain TUN; with offloads one per record, super-packets cut on read and coalesced on write.
using WgSharp.Tun.Interop;
using WgSharp.Tun.Offload;

namespace WgSharp.Tun;

public sealed unsafe partial class TunDevice
{
    // Offload state; null on a plain TUN. Each lock serialises one direction (the pipeline has one reader and one
    // writer, plus the occasional ICMP error written from the reader's thread).
    private readonly GsoReadBuffer? _readBuffer;
    private readonly GroCoalescer? _coalescer;
    private readonly Lock _readLock = new();
    private readonly Lock _writeLock = new();
    private int[] _writeOrder = new int[128];
    private byte[]? _writeScratch;

    public int Read(byte[][] buffers, int[] sizes, int offset)
    {
        ValidateBatch(buffers, sizes, buffers.Length, offset);
        for (int i = 0; i < buffers.Length; i++)
        {
            if (buffers[i] is null || buffers[i].Length <= offset)
            {
                ThrowHelper.ThrowArgument($"buffers[{i}] has no room past offset {offset}.", nameof(buffers));
            }
        }
        if (!_tun.TryAcquire(out int fd))
        {
            return 0;
        }
        try
        {
            if (_readBuffer is not null)
            {
                lock (_readLock)
                {
                    return ReadRecords(fd, _readBuffer, buffers, sizes, offset);
                }
            }
            return ReadPackets(fd, buffers, sizes, offset);
        }
        finally
        {
            _tun.Release();
        }
    }

    private int ReadPackets(int fd, byte[][] buffers, int[] sizes, int offset)
    {
        int count = 0;
        while (true)
        {
            int errno = 0;
            while (count < buffers.Length)
            {
                byte[] buffer = buffers[count];
                int capacity = buffer.Length - offset;
                nint read;
                fixed (byte* p = &buffer[offset])
                {
                    read = LibC.Read(fd, p, (nuint)capacity);
                }
                if (read < 0)
                {
                    errno = LibC.LastErrno;
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }
                    break;
                }
                // tun_put_user reports the full packet length even when it copied less (IFF_NO_PI has no
                // TUN_PKT_STRIP flag to tell us), so a length past the buffer means a truncated packet.
                if (read > capacity)
                {
                    Interlocked.Increment(ref _droppedReads);
                    continue;
                }
                sizes[count++] = (int)read;
            }
            // Packets already read are handed out first; an error surfaces on the next call.
            if (count > 0)
            {
                return count;
            }
            if (!WaitAfterReadError(fd, errno))
            {
                return 0;
            }
        }
    }

    // With IFF_VNET_HDR every read(2) is one record: a virtio header and a packet or super-packet. Segments the
    // caller has no buffers for stay in the read buffer for the next call.
    private int ReadRecords(int fd, GsoReadBuffer records, byte[][] buffers, int[] sizes, int offset)
    {
        int count = records.Pending > 0 ? records.Drain(buffers, sizes, offset, 0, ref _droppedReads) : 0;
        if (records.Pending > 0)
        {
            return count; // reading now would overwrite the rest of the record
        }
        while (count < buffers.Length)
        {
            nint read;
            fixed (byte* p = records.Buffer)
            {
                read = LibC.Read(fd, p, GsoReadBuffer.Capacity);
            }
            if (read < 0)
            {
                int errno = LibC.LastErrno;
                if (errno == LibC.EINTR)
                {
                    continue;
                }
                if (count > 0)
                {
                    return count;
                }
                if (!WaitAfterReadError(fd, errno))
                {
                    return 0;
                }
                continue;
            }
            if (read > GsoReadBuffer.Capacity || !records.Load((int)read))
            {
                Interlocked.Increment(ref _droppedReads);
                continue;
            }
            count = records.Drain(buffers, sizes, offset, count, ref _droppedReads);
            if (records.Pending > 0)
            {
                break; // the rest of this record (or all of it) opens the next batch
            }
        }
        return count;
    }

    /// <summary>After a failed read with nothing to hand out: waits when the fd is just empty (false once closed), throws otherwise.</summary>
    private bool WaitAfterReadError(int fd, int errno)
    {
        switch (errno)
        {
            case LibC.EAGAIN:
                return _closeSignal.Wait(fd, LibC.POLLIN);
            case LibC.EBADFD:
                throw TunErrors.Deleted(Name);
            default:
                throw TunErrors.Io(Name, "Reading", errno);
        }
    }

    public void Write(byte[][] buffers, int[] sizes, int count, int offset)
    {
        ValidateBatch(buffers, sizes, count, offset);
        for (int i = 0; i < count; i++)
        {
            int size = sizes[i];
            if (buffers[i] is null || size <= 0 || size > buffers[i].Length - offset)
            {
                ThrowHelper.ThrowArgument($"sizes[{i}] = {size} does not fit buffers[{i}] past offset {offset}.", nameof(sizes));
            }
        }
        if (!_tun.TryAcquire(out int fd))
        {
            return;
        }
        try
        {
            if (_coalescer is null)
            {
                for (int i = 0; i < count; i++)
                {
                    fixed (byte* p = &buffers[i][offset])
                    {
                        if (!WriteRecord(fd, p, sizes[i]))
                        {
                            return;
                        }
                    }
                }
                return;
            }
            lock (_writeLock)
            {
                WriteRecords(fd, _coalescer, buffers, sizes, count, offset);
            }
        }
        finally
        {
            _tun.Release();
        }
    }

    private void WriteRecords(int fd, GroCoalescer coalescer, byte[][] buffers, int[] sizes, int count, int offset)
    {
        if (offset < VirtioNetHeader.Size)
        {
            // No headroom for the virtio header: copy each packet behind one (callers on the data path leave room).
            _writeScratch ??= GC.AllocateUninitializedArray<byte>(VirtioNetHeader.Size + MaxPacketSize, pinned: true);
            VirtioNetHeader.WriteNone(_writeScratch);
            for (int i = 0; i < count; i++)
            {
                int length = Math.Min(sizes[i], MaxPacketSize);
                buffers[i].AsSpan(offset, length).CopyTo(_writeScratch.AsSpan(VirtioNetHeader.Size));
                fixed (byte* p = _writeScratch)
                {
                    if (!WriteRecord(fd, p, VirtioNetHeader.Size + length))
                    {
                        return;
                    }
                }
            }
            return;
        }

        if (_writeOrder.Length < count)
        {
            _writeOrder = new int[count];
        }
        int writes = coalescer.Coalesce(buffers, sizes, count, offset, _writeOrder);
        for (int k = 0; k < writes; k++)
        {
            int i = _writeOrder[k];
            fixed (byte* p = &buffers[i][offset - VirtioNetHeader.Size])
            {
                if (!WriteRecord(fd, p, VirtioNetHeader.Size + sizes[i]))
                {
                    return;
                }
            }
        }
    }

    /// <summary>One write(2), waiting while the queue is full. False when the device closed meanwhile.</summary>
    private bool WriteRecord(int fd, byte* record, int length)
    {
        while (true)
        {
            nint written = LibC.Write(fd, record, (nuint)length);
            if (written >= 0)
            {
                return true;
            }
            int errno = LibC.LastErrno;
            if (errno == LibC.EINTR)
            {
                continue;
            }
            if (errno == LibC.EAGAIN)
            {
                if (!_closeSignal.Wait(fd, LibC.POLLOUT))
                {
                    return false;
                }
                continue;
            }
            if (errno == LibC.EBADFD)
            {
                throw TunErrors.Deleted(Name);
            }
            if (IsPacketError(errno))
            {
                Interlocked.Increment(ref _droppedWrites);
                return true;
            }
            throw TunErrors.Io(Name, "Writing", errno);
        }
    }

    // Errors that concern one packet, not the device: tun_get_user returns EINVAL for a first nibble that is
    // neither 4 nor 6 (and for a virtio header it cannot apply), and allocation failures are transient.
    private static bool IsPacketError(int errno) =>
        errno is LibC.EINVAL or LibC.EMSGSIZE or LibC.ENOMEM or LibC.ENOBUFS or LibC.EIO or LibC.EFAULT;

    private static void ValidateBatch(byte[][] buffers, int[] sizes, int count, int offset)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentNullException.ThrowIfNull(sizes);
        if (buffers.Length == 0)
        {
            ThrowHelper.ThrowArgument("At least one buffer is needed.", nameof(buffers));
        }
        if ((uint)count > (uint)buffers.Length || sizes.Length < count)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(count), $"count {count} exceeds the buffers or sizes given.");
        }
        if (offset < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(offset), "offset must not be negative.");
        }
    }
}
