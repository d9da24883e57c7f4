// An eventfd polled next to a device's fd: once signalled it wakes every blocked waiter, and keeps doing so.
using WgSharp.Tun.Interop;

namespace WgSharp.Tun;

/// <summary>
/// Lets Close on one thread unblock Read/Receive on others. Devices keep their fds non-blocking and wait in
/// poll(2) on the fd and this eventfd together (poll(2), eventfd(2)). The eventfd is never drained, so after
/// <see cref="Signal"/> every present and future wait returns immediately.
/// </summary>
internal sealed unsafe class CloseSignal : IDisposable
{
    private readonly FileDescriptor _eventFd;
    private volatile bool _signalled;

    private CloseSignal(int eventFd)
    {
        _eventFd = new FileDescriptor(eventFd);
    }

    /// <summary>Creates the eventfd; returns null and the errno when the kernel refuses.</summary>
    public static CloseSignal? TryCreate(out int errno)
    {
        int fd = LibC.EventFd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (fd < 0)
        {
            errno = LibC.LastErrno;
            return null;
        }
        errno = 0;
        return new CloseSignal(fd);
    }

    public bool IsSignalled => _signalled;

    public void Signal()
    {
        _signalled = true;
        if (_eventFd.TryAcquire(out int fd))
        {
            try
            {
                ulong one = 1;
                LibC.Write(fd, (byte*)&one, sizeof(ulong));
            }
            finally
            {
                _eventFd.Release();
            }
        }
    }

    /// <summary>
    /// Blocks until <paramref name="fd"/> reports one of <paramref name="events"/> (or an error or hang-up,
    /// which the following syscall will surface) and returns true, or until the signal fires and returns false.
    /// </summary>
    public bool Wait(int fd, short events)
    {
        if (!_eventFd.TryAcquire(out int eventFd))
        {
            return false;
        }
        try
        {
            LibC.PollFd* fds = stackalloc LibC.PollFd[2];
            while (!_signalled)
            {
                fds[0] = new LibC.PollFd { Fd = fd, Events = events };
                fds[1] = new LibC.PollFd { Fd = eventFd, Events = LibC.POLLIN };
                if (LibC.Poll(fds, 2, -1) < 0)
                {
                    int errno = LibC.LastErrno;
                    if (errno == LibC.EINTR)
                    {
                        continue;
                    }
                    throw new IOException($"poll failed: {LibC.Describe(errno)} (errno {errno})");
                }
                if (fds[1].Revents != 0)
                {
                    return false;
                }
                if (fds[0].Revents != 0)
                {
                    return true;
                }
            }
            return false;
        }
        finally
        {
            _eventFd.Release();
        }
    }

    public void Dispose() => _eventFd.Dispose();
}
