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

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int lchown(string path, uint owner, uint group);

    [LibraryImport(Library, SetLastError = true)]
    public static partial int fchown(int fd, uint owner, uint group);

    /// <summary>The type bits and owner of <paramref name="path"/> (a final symlink is not followed); false when it does
    /// not exist or cannot be examined.</summary>
    public static bool TryStatOwner(string path, out int mode, out uint uid) =>
        TryStatOwnerAt(AtFdCwd, path, AtSymlinkNoFollow, out mode, out uid);

    /// <summary>The type bits and owner of the open descriptor <paramref name="fd"/>.</summary>
    public static bool TryStatDescriptor(int fd, out int mode, out uint uid) =>
        TryStatOwnerAt(fd, "", AtEmptyPath, out mode, out uid);

    private static bool TryStatOwnerAt(int dirfd, string path, int flags, out int mode, out uint uid)
    {
        bool found = TryStat(dirfd, path, flags, out FileIdentity identity);
        mode = identity.Mode;
        uid = identity.Owner;
        return found;
    }
}
