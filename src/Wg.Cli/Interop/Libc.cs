// The few libc calls the CLI needs that .NET does not expose: umask (socket permissions),
// file status (Libc.Stat.cs) and if_nametoindex (IPv6 zone names).
using System.Runtime.InteropServices;
using WgSharp.Tun;

namespace WgSharp.Cli.Interop;

internal static unsafe partial class Libc
{
    private const string Library = "libc";

    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtEmptyPath = 0x1000;
    public const uint StatxType = 0x1;
    public const uint StatxMode = 0x2;
    public const uint StatxIno = 0x100;

    public const int SIfMt = 0xF000;   // S_IFMT
    public const int SIfSock = 0xC000; // S_IFSOCK
    public const int SIfReg = 0x8000;  // S_IFREG

    /// <summary>errno after a call declared with SetLastError; read it before any other call can change it.</summary>
    public static Errno LastErrno => (Errno)Marshal.GetLastPInvokeError();

    [LibraryImport(Library)]
    public static partial uint umask(uint mask);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint if_nametoindex(string name);
}
