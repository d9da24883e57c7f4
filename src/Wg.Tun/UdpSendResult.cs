// The outcome of one IUdpBind.Send batch: how many datagrams left and the first error, as a value (no throw).
using WgSharp.Tun.Interop;

namespace WgSharp.Tun;

/// <summary>
/// <paramref name="Sent"/> datagrams were handed to the kernel. <paramref name="Errno"/> is 0 on full success,
/// otherwise the Linux errno of the first failure (ENETUNREACH, EHOSTUNREACH, EPERM from a firewall, EMSGSIZE,
/// EAFNOSUPPORT when the family has no socket, EBADF after Close).
/// </summary>
public readonly record struct UdpSendResult(int Sent, int Errno)
{
    public bool Succeeded => Errno == 0;

    /// <summary>strerror text of <see cref="Errno"/>, for logs.</summary>
    public string Describe() => Errno == 0 ? "success" : LibC.Describe(Errno);
}
