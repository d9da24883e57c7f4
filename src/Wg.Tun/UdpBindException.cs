// The error raised when the UDP transport cannot be bound or configured; carries the errno for UAPI replies.
namespace WgSharp.Tun;

/// <summary>
/// A bind or socket-option failure. <see cref="Errno"/> is the positive Linux errno, so the UAPI layer can answer
/// <c>errno=-98</c> for EADDRINUSE exactly as wireguard-go does.
/// </summary>
public sealed class UdpBindException : IOException
{
    public UdpBindException(string message, int errno)
        : base(message)
    {
        Errno = errno;
    }

    public int Errno { get; }
}
