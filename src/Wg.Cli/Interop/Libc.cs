// The few libc calls the CLI needs that .NET does not expose: umask (socket permissions),
// statx (socket inode and stdout mode) and if_nametoindex (IPv6 zone names).
using System.Runtime.InteropServices;

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

    [LibraryImport(Library)]
    public static partial uint umask(uint mask);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial uint if_nametoindex(string name);

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string pathname, int flags, uint mask, byte* statxbuf);

    /// <summary>statx(2) on a path (not following a final symlink) or, with an empty path and
    /// <see cref="AtEmptyPath"/>, on an open descriptor. The struct statx layout is the same on every
    /// architecture (linux/stat.h), which is why it is used instead of stat.</summary>
    public static bool TryStatx(int dirfd, string path, int flags, out FileIdentity identity)
    {
        // struct statx is 256 bytes: stx_mode (u16) at 28, stx_ino (u64) at 32, stx_dev_major/minor (u32) at 136/140.
        byte* buffer = stackalloc byte[256];
        if (statx(dirfd, path, flags, StatxType | StatxMode | StatxIno, buffer) != 0)
        {
            identity = default;
            return false;
        }

        identity = new FileIdentity(
            *(ushort*)(buffer + 28),
            *(ulong*)(buffer + 32),
            ((ulong)*(uint*)(buffer + 136) << 32) | *(uint*)(buffer + 140));
        return true;
    }

    /// <summary>What statx says about one file: its mode (type and permission bits) and which inode it is.</summary>
    public readonly record struct FileIdentity(int Mode, ulong Inode, ulong Device)
    {
        public bool IsSocket => (Mode & SIfMt) == SIfSock;

        public bool IsRegularFile => (Mode & SIfMt) == SIfReg;

        public bool IsSameFile(FileIdentity other) => Inode == other.Inode && Device == other.Device;
    }
}
