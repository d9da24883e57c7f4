// libc calls for files shared with the unprivileged daemon: giving a file or directory to a user (without following a
// symlink), opening one without following a symlink, and who owns a file.
using System.Runtime.InteropServices;

namespace WgSharp.Cli.Interop;

internal static unsafe partial class Libc
{
    public const int O_RDONLY = 0;
    public const int O_NONBLOCK = 0x800;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_CLOEXEC = 0x80000;
    public const int SIfDir = 0x4000; // S_IFDIR
    public const uint StatxUid = 0x8;
    public const uint StatxGid = 0x10;

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int lchown(string path, uint owner, uint group);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int fchown(int fd, uint owner, uint group);

    /// <summary>The type bits and owner of <paramref name="path"/> (a final symlink is not followed); false when it does
    /// not exist or cannot be examined.</summary>
    public static bool TryStatOwner(string path, out int mode, out uint uid)
    {
        // struct statx: stx_uid (u32) at 20, stx_mode (u16) at 28.
        byte* buffer = stackalloc byte[256];
        if (statx(AtFdCwd, path, AtSymlinkNoFollow, StatxType | StatxMode | StatxUid, buffer) != 0)
        {
            mode = 0;
            uid = 0;
            return false;
        }

        uid = *(uint*)(buffer + 20);
        mode = *(ushort*)(buffer + 28);
        return true;
    }

    /// <summary>The type bits and owner of the open descriptor <paramref name="fd"/>.</summary>
    public static bool TryStatDescriptor(int fd, out int mode, out uint uid)
    {
        byte* buffer = stackalloc byte[256];
        if (statx(fd, "", AtEmptyPath, StatxType | StatxMode | StatxUid, buffer) != 0)
        {
            mode = 0;
            uid = 0;
            return false;
        }

        uid = *(uint*)(buffer + 20);
        mode = *(ushort*)(buffer + 28);
        return true;
    }
}
