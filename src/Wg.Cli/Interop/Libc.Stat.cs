// File status (type, owner, inode, device) for the CLI and the daemon: statx(2) where the kernel (Linux 4.11)
// and glibc (2.28) have it, else the fstatat system call. OpenVZ 7 kernels (3.10) and the older glibc hosts the
// portable build serves have no statx; fstatat's struct stat differs per architecture, statx's does not, so
// statx stays the first choice.
using System.Runtime.InteropServices;
using WgSharp.Tun;

namespace WgSharp.Cli.Interop;

internal static unsafe partial class Libc
{

    // Set once statx is found missing (not exported by glibc, or ENOSYS from the kernel): every later call goes
    // straight to fstatat, so identities compared with each other come from the same call.
    private static volatile bool s_statxMissing;

    [LibraryImport(Library, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int statx(int dirfd, string pathname, int flags, uint mask, byte* statxbuf);

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial long fstatatSyscall(long number, int dirfd, string pathname, byte* statbuf, int flags);

    /// <summary>What the kernel says about one file: its mode (type and permission bits), owner and identity.</summary>
    public readonly record struct FileIdentity(int Mode, uint Owner, ulong Inode, ulong Device)
    {
        public bool IsSocket => (Mode & SIfMt) == SIfSock;

        public bool IsRegularFile => (Mode & SIfMt) == SIfReg;

        public bool IsDirectory => (Mode & SIfMt) == SIfDir;

        public bool IsSameFile(FileIdentity other) => Inode == other.Inode && Device == other.Device;
    }

    /// <summary>
    /// The status of <paramref name="path"/> relative to <paramref name="dirfd"/> (flags: <see cref="AtSymlinkNoFollow"/>
    /// to examine a final symlink itself; <see cref="AtEmptyPath"/> with an empty path to examine the descriptor).
    /// False when it does not exist or cannot be examined.
    /// </summary>
    public static bool TryStat(int dirfd, string path, int flags, out FileIdentity identity)
    {
        if (!s_statxMissing)
        {
            if (TryStatx(dirfd, path, flags, out identity, out bool missing))
            {
                return true;
            }

            if (!missing)
            {
                return false;
            }

            s_statxMissing = true;
        }

        return TryFstatat(dirfd, path, flags, out identity);
    }

    private static bool TryStatx(int dirfd, string path, int flags, out FileIdentity identity, out bool missing)
    {
        identity = default;
        missing = false;

        // struct statx (linux/stat.h, the same on every architecture) is 256 bytes: stx_uid (u32) at 20, stx_mode
        // (u16) at 28, stx_ino (u64) at 32, stx_dev_major/minor (u32) at 136/140.
        byte* buffer = stackalloc byte[256];
        int result;
        try
        {
            result = statx(dirfd, path, flags, StatxType | StatxMode | StatxUid | StatxIno, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            missing = true;
            return false;
        }

        if (result != 0)
        {
            missing = LastErrno == Errno.ENOSYS;
            return false;
        }

        identity = new FileIdentity(
            *(ushort*)(buffer + 28),
            *(uint*)(buffer + 20),
            *(ulong*)(buffer + 32),
            Device(*(uint*)(buffer + 136), *(uint*)(buffer + 140)));
        return true;
    }

    /// <summary>The fallback without statx; internal so tests can compare it with statx on a kernel that has both.</summary>
    internal static bool TryFstatat(int dirfd, string path, int flags, out FileIdentity identity)
    {
        identity = default;

        // The newfstatat system call and its struct stat: x86_64 (asm/stat.h) has st_nlink (u64) before st_mode,
        // arm64 uses the generic layout (asm-generic/stat.h) with st_mode right after st_ino.
        (long number, int modeOffset, int uidOffset) = RuntimeInformation.ProcessArchitecture switch
        {
            Architecture.X64 => (262L, 24, 28),
            Architecture.Arm64 => (79L, 16, 24),
            _ => (-1L, 0, 0),
        };
        if (number < 0)
        {
            return false;
        }

        byte* buffer = stackalloc byte[256];
        if (fstatatSyscall(number, dirfd, path, buffer, flags) != 0)
        {
            return false;
        }

        // st_dev as the kernel encodes it (new_encode_dev), split as glibc's major()/minor() do.
        ulong dev = *(ulong*)buffer;
        uint major = (uint)(((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffUL));
        uint minor = (uint)((dev & 0xff) | ((dev >> 12) & ~0xffUL));
        identity = new FileIdentity(
            (int)*(uint*)(buffer + modeOffset),
            *(uint*)(buffer + uidOffset),
            *(ulong*)(buffer + 8),
            Device(major, minor));
        return true;
    }

    private static ulong Device(uint major, uint minor) => ((ulong)major << 32) | minor;
}
