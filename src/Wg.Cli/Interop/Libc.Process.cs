// libc calls for daemonizing: a new session, and pointing standard streams at /dev/null.
using System.Runtime.InteropServices;

namespace WgSharp.Cli.Interop;

internal static partial class Libc
{
    [LibraryImport(Library, SetLastError = true)]
    public static partial int setsid();

    [LibraryImport(Library, SetLastError = true)]
    public static partial int dup2(int oldfd, int newfd);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int open(string path, int flags);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int close(int fd);

    [LibraryImport(Library)]
    public static partial int isatty(int fd);

    public const int O_RDWR = 2;
}
