// read(2), write(2) and poll(2) on the standard descriptors, so output goes through the kernel's file
// offset, which a shell shares between every process writing to the same redirected file.
using System.Runtime.InteropServices;

namespace WgSharp.Cli.Interop;

internal static unsafe partial class Libc
{
    public const short PollIn = 0x1;
    public const short PollOut = 0x4;

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint read(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, SetLastError = true)]
    public static partial nint write(int fd, byte* buffer, nuint count);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int poll(PollFd* fds, nuint count, int timeout);

    /// <summary>struct pollfd (poll.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }
}
