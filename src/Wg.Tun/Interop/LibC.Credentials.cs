// Credentials and capabilities: setresuid(2)/setresgid(2)/setgroups(2) (glibc applies them to every thread
// of the process), capget(2)/capset(2) and prctl(2) (these act on the calling thread only), seccomp(2) for
// its SECCOMP_FILTER_FLAG_TSYNC, and getpwnam_r(3) to find a user.
using System.Runtime.InteropServices;

namespace WgSharp.Tun.Interop;

internal static unsafe partial class LibC
{
    internal const int PR_SET_KEEPCAPS = 8;
    internal const int PR_SET_NO_NEW_PRIVS = 38;
    internal const int PR_GET_NO_NEW_PRIVS = 39;
    internal const int PR_CAP_AMBIENT = 47;
    internal const int PR_CAP_AMBIENT_CLEAR_ALL = 4;

    /// <summary>_LINUX_CAPABILITY_VERSION_3: two 32-bit words per set.</summary>
    internal const uint LINUX_CAPABILITY_VERSION_3 = 0x20080522;

    internal const uint SECCOMP_SET_MODE_FILTER = 1;
    internal const uint SECCOMP_FILTER_FLAG_TSYNC = 1;
    internal const uint SECCOMP_RET_ALLOW = 0x7FFF0000;
    internal const ushort BPF_RET_K = 0x06; // BPF_RET | BPF_K

    [StructLayout(LayoutKind.Sequential)]
    internal struct CapUserHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct CapUserData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockFilter
    {
        public ushort Code;
        public byte JumpTrue;
        public byte JumpFalse;
        public uint K;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockFprog
    {
        public ushort Length;
        public SockFilter* Filter;
    }

    // struct passwd (LP64): pw_name, pw_passwd (pointers), pw_uid, pw_gid (u32), pw_gecos, pw_dir, pw_shell.
    [StructLayout(LayoutKind.Sequential)]
    internal struct Passwd
    {
        public nint Name;
        public nint Password;
        public uint Uid;
        public uint Gid;
        public nint Gecos;
        public nint Directory;
        public nint Shell;
    }

    [LibraryImport(Library, EntryPoint = "setresuid", SetLastError = true)]
    internal static partial int SetResUid(uint real, uint effective, uint saved);

    [LibraryImport(Library, EntryPoint = "setresgid", SetLastError = true)]
    internal static partial int SetResGid(uint real, uint effective, uint saved);

    [LibraryImport(Library, EntryPoint = "setgroups", SetLastError = true)]
    internal static partial int SetGroups(nuint size, uint* list);

    [LibraryImport(Library, EntryPoint = "capget", SetLastError = true)]
    internal static partial int CapGet(CapUserHeader* header, CapUserData* data);

    [LibraryImport(Library, EntryPoint = "capset", SetLastError = true)]
    internal static partial int CapSet(CapUserHeader* header, CapUserData* data);

    [LibraryImport(Library, EntryPoint = "prctl", SetLastError = true)]
    internal static partial int Prctl(int option, nuint arg2, nuint arg3, nuint arg4, nuint arg5);

    [LibraryImport(Library, EntryPoint = "syscall", SetLastError = true)]
    internal static partial nint Syscall(nint number, nuint arg1, nuint arg2, nuint arg3);

    [LibraryImport(Library, EntryPoint = "getpwnam_r", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int GetPwNamR(string name, Passwd* entry, byte* buffer, nuint size, Passwd** result);

    [LibraryImport(Library, EntryPoint = "getuid")]
    internal static partial uint GetUid();

    /// <summary>The seccomp(2) system call number of this architecture; null where it is not known here.</summary>
    internal static nint? SeccompSyscall => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 => 317,
        Architecture.Arm64 => 277,
        _ => null,
    };
}
