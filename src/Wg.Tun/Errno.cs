// The Linux errno values the program reacts to (asm-generic/errno-base.h and asm-generic/errno.h), by name,
// so code outside the interop layer never compares against raw numbers.
using System.Runtime.InteropServices;

namespace WgSharp.Tun;

/// <summary>A Linux errno value; the numbers are the kernel's (x86-64 and arm64 share them).</summary>
public enum Errno
{
    /// <summary>No error.</summary>
    None = 0,
    EPERM = 1,
    ENOENT = 2,
    ESRCH = 3,
    EINTR = 4,
    EIO = 5,
    ENXIO = 6,
    EBADF = 9,
    EAGAIN = 11,
    ENOMEM = 12,
    EACCES = 13,
    EFAULT = 14,
    EBUSY = 16,
    EEXIST = 17,
    ENODEV = 19,
    EINVAL = 22,
    EROFS = 30,
    ENOSYS = 38,
    EBADFD = 77,
    EMSGSIZE = 90,
    ENOPROTOOPT = 92,
    EPROTONOSUPPORT = 93,
    EOPNOTSUPP = 95,
    EAFNOSUPPORT = 97,
    EADDRINUSE = 98,
    EADDRNOTAVAIL = 99,
    ENETDOWN = 100,
    ENETUNREACH = 101,
    ENOBUFS = 105,
    ETIMEDOUT = 110,
    ECONNREFUSED = 111,
    EHOSTUNREACH = 113,
}

/// <summary>What an <see cref="Errno"/> means, in the C library's words.</summary>
public static class ErrnoText
{
    /// <summary>strerror(3): "File exists" for <see cref="Errno.EEXIST"/>; the C library's text for any other number.</summary>
    public static string Describe(this Errno errno) => Marshal.GetPInvokeErrorMessage((int)errno);

    /// <summary>The number as the kernel reports it ("17"), which messages print next to <see cref="Describe"/>.</summary>
    public static string Number(this Errno errno) => ((int)errno).ToString(System.Globalization.CultureInfo.InvariantCulture);
}
