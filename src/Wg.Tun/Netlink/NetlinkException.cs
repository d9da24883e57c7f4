// The error raised when the kernel refuses an rtnetlink request: the errno, what was asked, and the kernel's text.
using WgSharp.Tun.Interop;

namespace WgSharp.Tun.Netlink;

/// <summary>
/// A failed rtnetlink operation. <see cref="Errno"/> is the positive errno from NLMSG_ERROR (or from the socket
/// call); <see cref="Operation"/> says what was attempted in <c>ip</c> terms ("ip -4 route add 10.0.0.0/8 dev
/// wg0"); <see cref="KernelMessage"/> is the extended-ack text (NLMSGERR_ATTR_MSG) when the kernel gave one.
/// </summary>
public sealed class NetlinkException : IOException
{
    public NetlinkException(string operation, int errno, string? kernelMessage = null)
        : base(Compose(operation, errno, kernelMessage))
    {
        Operation = operation;
        Errno = (Errno)errno;
        KernelMessage = kernelMessage;
    }

    public string Operation { get; }

    public Errno Errno { get; }

    public string? KernelMessage { get; }

    private static string Compose(string operation, int errno, string? kernelMessage) =>
        string.IsNullOrEmpty(kernelMessage)
            ? $"{operation}: {LibC.Describe(errno)} (errno {errno})."
            : $"{operation}: {LibC.Describe(errno)} (errno {errno}): {kernelMessage}.";
}
