// errno values as the int that syscalls report through Marshal.GetLastPInvokeError, for the interop code that
// compares them and switches on them; the values themselves are defined once, by the public Errno type.
namespace WgSharp.Tun.Interop;

internal static partial class LibC
{
    internal const int EPERM = (int)Errno.EPERM;
    internal const int ENOENT = (int)Errno.ENOENT;
    internal const int ESRCH = (int)Errno.ESRCH;
    internal const int EINTR = (int)Errno.EINTR;
    internal const int EIO = (int)Errno.EIO;
    internal const int ENXIO = (int)Errno.ENXIO;
    internal const int EBADF = (int)Errno.EBADF;
    internal const int EAGAIN = (int)Errno.EAGAIN;
    internal const int ENOMEM = (int)Errno.ENOMEM;
    internal const int EACCES = (int)Errno.EACCES;
    internal const int EFAULT = (int)Errno.EFAULT;
    internal const int EBUSY = (int)Errno.EBUSY;
    internal const int EEXIST = (int)Errno.EEXIST;
    internal const int ENODEV = (int)Errno.ENODEV;
    internal const int EINVAL = (int)Errno.EINVAL;
    internal const int EROFS = (int)Errno.EROFS;
    internal const int ENOSYS = (int)Errno.ENOSYS;
    internal const int EBADFD = (int)Errno.EBADFD;
    internal const int EMSGSIZE = (int)Errno.EMSGSIZE;
    internal const int ENOPROTOOPT = (int)Errno.ENOPROTOOPT;
    internal const int EPROTONOSUPPORT = (int)Errno.EPROTONOSUPPORT;
    internal const int EOPNOTSUPP = (int)Errno.EOPNOTSUPP;
    internal const int EAFNOSUPPORT = (int)Errno.EAFNOSUPPORT;
    internal const int EADDRINUSE = (int)Errno.EADDRINUSE;
    internal const int EADDRNOTAVAIL = (int)Errno.EADDRNOTAVAIL;
    internal const int ENETDOWN = (int)Errno.ENETDOWN;
    internal const int ENETUNREACH = (int)Errno.ENETUNREACH;
    internal const int ENOBUFS = (int)Errno.ENOBUFS;
    internal const int ETIMEDOUT = (int)Errno.ETIMEDOUT;
    internal const int ECONNREFUSED = (int)Errno.ECONNREFUSED;
    internal const int EHOSTUNREACH = (int)Errno.EHOSTUNREACH;
}
