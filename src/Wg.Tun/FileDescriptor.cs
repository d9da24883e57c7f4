// A reference-counted Linux file descriptor, so that closing a device never races a syscall on another thread.
using WgSharp.Tun.Interop;

namespace WgSharp.Tun;

/// <summary>
/// Owns one fd. Every syscall takes a lease with <see cref="TryAcquire"/> and gives it back with
/// <see cref="Release"/>; <see cref="Dispose"/> only marks the descriptor closed, and close(2) runs when the
/// last lease is returned. Without this a concurrent close could let the kernel hand the same number to a new
/// file while another thread is still about to read from it.
/// </summary>
internal sealed class FileDescriptor : IDisposable
{
    private const int ClosedBit = 1;
    private const int OneLease = 2;

    private readonly int _fd;

    // Bit 0: Dispose was called. Bits 1..31: number of outstanding leases. Changed only by Interlocked.
    private int _state;

    public FileDescriptor(int fd)
    {
        _fd = fd;
    }

    public bool IsClosed => (Volatile.Read(ref _state) & ClosedBit) != 0;

    /// <summary>Takes a lease; false once the descriptor is closed.</summary>
    public bool TryAcquire(out int fd)
    {
        int state = Volatile.Read(ref _state);
        while ((state & ClosedBit) == 0)
        {
            int seen = Interlocked.CompareExchange(ref _state, state + OneLease, state);
            if (seen == state)
            {
                fd = _fd;
                return true;
            }
            state = seen;
        }
        fd = -1;
        return false;
    }

    public void Release()
    {
        if (Interlocked.Add(ref _state, -OneLease) == ClosedBit)
        {
            LibC.Close(_fd);
        }
    }

    public void Dispose()
    {
        int state = Volatile.Read(ref _state);
        while ((state & ClosedBit) == 0)
        {
            int seen = Interlocked.CompareExchange(ref _state, state | ClosedBit, state);
            if (seen == state)
            {
                if (state == 0)
                {
                    LibC.Close(_fd);
                }
                GC.SuppressFinalize(this);
                return;
            }
            state = seen;
        }
    }

    // Unreachable means no lease is outstanding, so the fd can be closed right away.
    ~FileDescriptor()
    {
        if ((_state & ClosedBit) == 0)
        {
            LibC.Close(_fd);
        }
    }
}
