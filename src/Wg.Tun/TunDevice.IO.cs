// TunDevice packet I/O: one read(2)/write(2) per packet on the non-blocking fd, waiting in poll(2) when idle.
using WgSharp.Tun.Interop;

namespace WgSharp.Tun;

internal sealed unsafe partial class TunDevice
{
    public int Read(byte[][] buffers, int[] sizes, int offset)
    {
        ValidateBatch(buffers, sizes, buffers.Length, offset);
        if (!_tun.TryAcquire(out int fd))
        {
            return 0;
        }
        try
        {
            int count = 0;
            while (true)
            {
                int errno = 0;
                while (count < buffers.Length)
                {
                    byte[] buffer = buffers[count];
                    if (buffer.Length <= offset)
                    {
                        ThrowHelper.ThrowArgument($"buffers[{count}] has no room past offset {offset}.", nameof(buffers));
                    }
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
                switch (errno)
                {
                    case LibC.EAGAIN:
                        if (!_closeSignal.Wait(fd, LibC.POLLIN))
                        {
                            return 0;
                        }
                        break;
                    case LibC.EBADFD:
                        throw TunErrors.Deleted(Name);
                    default:
                        throw TunErrors.Io(Name, "Reading", errno);
                }
            }
        }
        finally
        {
            _tun.Release();
        }
    }

    public void Write(byte[][] buffers, int[] sizes, int count, int offset)
    {
        ValidateBatch(buffers, sizes, count, offset);
        if (!_tun.TryAcquire(out int fd))
        {
            return;
        }
        try
        {
            for (int i = 0; i < count; i++)
            {
                byte[] buffer = buffers[i];
                int size = sizes[i];
                if (size <= 0 || size > buffer.Length - offset)
                {
                    ThrowHelper.ThrowArgument($"sizes[{i}] = {size} does not fit buffers[{i}] past offset {offset}.", nameof(sizes));
                }
                while (true)
                {
                    nint written;
                    fixed (byte* p = &buffer[offset])
                    {
                        written = LibC.Write(fd, p, (nuint)size);
                    }
                    if (written >= 0)
                    {
                        break;
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
                            return;
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
                        break;
                    }
                    throw TunErrors.Io(Name, "Writing", errno);
                }
            }
        }
        finally
        {
            _tun.Release();
        }
    }

    // Errors that concern one packet, not the device: tun_get_user returns EINVAL for a first nibble that is
    // neither 4 nor 6, and allocation failures are transient.
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
