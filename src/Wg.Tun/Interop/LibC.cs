// Entry point of the libc bindings: the library name and errno access shared by every LibC.*.cs area file.
using System.Runtime.InteropServices;

namespace WgSharp.Tun.Interop;

/// <summary>
/// Source-generated P/Invoke bindings to the C library. One partial file per area (files, ioctl, sockets,
/// poll/eventfd, netlink); structs live next to the calls that use them. Layouts are the Linux LP64 ABI
/// (x86_64 and aarch64 share them).
/// </summary>
internal static partial class LibC
{
    internal const string Library = "libc";

    /// <summary>errno of the last LibC call made on this thread; read it before any other P/Invoke.</summary>
    internal static int LastErrno => Marshal.GetLastPInvokeError();

    /// <summary>strerror(3) text, for exception messages and logs.</summary>
    internal static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
