// The error raised when a TUN device cannot be created or stops existing; its message says what to do.
namespace WgSharp.Tun;

/// <summary>A TUN failure with the Linux errno behind it (0 when the check happened before any syscall).</summary>
public sealed class TunException : IOException
{
    public TunException(string message, int errno)
        : base(message)
    {
        Errno = (Errno)errno;
    }

    public Errno Errno { get; }
}
