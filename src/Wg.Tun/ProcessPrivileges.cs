// Giving up root for good while one thread keeps a few capabilities (capabilities(7), prctl(2), credentials(7)).
// Capabilities, securebits and no_new_privs belong to each thread; glibc applies setresuid/setresgid/setgroups to
// every thread of the process. So the calling thread sets PR_SET_KEEPCAPS on itself, the process changes user: every
// other thread loses every capability, the calling thread keeps its permitted set with an empty effective set, and
// capset then narrows it to the capabilities asked for. That thread becomes the only privileged one; threads it
// creates afterwards inherit its capabilities, threads others create have none. no_new_privs is set on the calling
// thread and carried to all threads by an allow-all seccomp filter installed with SECCOMP_FILTER_FLAG_TSYNC (the
// only way to set it on other threads); kernels without that (before 3.17) are reported, as are kernels without
// no_new_privs (before 3.5, OpenVZ 6): the user and capability change happens on those too.
using WgSharp.Tun.Interop;

namespace WgSharp.Tun;

public static unsafe class ProcessPrivileges
{
    /// <summary>True when the process runs as root (real user 0).</summary>
    public static bool IsRoot => LibC.GetUid() == 0;

    /// <summary>The user and primary group of <paramref name="name"/> from the user database; false when it has none.</summary>
    public static bool TryFindUser(string name, out uint uid, out uint gid)
    {
        const int size = 16384;
        byte* buffer = stackalloc byte[size];
        LibC.Passwd entry;
        LibC.Passwd* found = null;
        int error = LibC.GetPwNamR(name, &entry, buffer, size, &found);
        uid = found is null ? 0 : found->Uid;
        gid = found is null ? 0 : found->Gid;
        return error == 0 && found is not null;
    }

    /// <summary>
    /// Makes the whole process user <paramref name="uid"/>, group <paramref name="gid"/> with no supplementary groups,
    /// and leaves <paramref name="keep"/> (effective and permitted, nothing inheritable) to the calling thread only;
    /// sets no_new_privs. Returns what could not be done on this kernel (empty when everything was).
    /// </summary>
    /// <exception cref="PrivilegeDropException">A step failed; the process may be part-way and must not go on.</exception>
    public static IReadOnlyList<string> DropKeepingOnThisThread(uint uid, uint gid, IReadOnlyCollection<Capability> keep) =>
        Drop(uid, gid, keep, thisThreadOnly: false);

    /// <summary>
    /// The same on the calling thread alone, through the raw system calls that glibc would broadcast; for tests,
    /// which must not change the credentials of the process running them.
    /// </summary>
    public static IReadOnlyList<string> DropThisThreadOnly(uint uid, uint gid, IReadOnlyCollection<Capability> keep) =>
        Drop(uid, gid, keep, thisThreadOnly: true);

    /// <summary>The calling thread's effective and permitted capability sets, one bit per <see cref="Capability"/> number.</summary>
    public static (ulong Effective, ulong Permitted) ThreadCapabilities()
    {
        var header = new LibC.CapUserHeader { Version = LibC.LINUX_CAPABILITY_VERSION_3 };
        LibC.CapUserData* data = stackalloc LibC.CapUserData[2];
        if (LibC.CapGet(&header, data) != 0)
        {
            throw new PrivilegeDropException("capget", LibC.LastErrno);
        }

        return (data[0].Effective | ((ulong)data[1].Effective << 32), data[0].Permitted | ((ulong)data[1].Permitted << 32));
    }

    /// <summary>The capability set holding exactly <paramref name="capabilities"/>.</summary>
    public static ulong Mask(IEnumerable<Capability> capabilities) =>
        capabilities.Aggregate(0UL, (mask, capability) => mask | (1UL << (int)capability));

    private static List<string> Drop(uint uid, uint gid, IReadOnlyCollection<Capability> keep, bool thisThreadOnly)
    {
        var unsupported = new List<string>();
        Check(LibC.Prctl(LibC.PR_SET_KEEPCAPS, 1, 0, 0, 0), "prctl(PR_SET_KEEPCAPS)");
        if (thisThreadOnly)
        {
            (nint setGroups, nint setResGid, nint setResUid) = RawCredentialCalls();
            Check((int)LibC.Syscall(setGroups, 0, 0, 0), "setgroups");
            Check((int)LibC.Syscall(setResGid, gid, gid, gid), "setresgid");
            Check((int)LibC.Syscall(setResUid, uid, uid, uid), "setresuid");
        }
        else
        {
            Check(LibC.SetGroups(0, null), "setgroups");
            Check(LibC.SetResGid(gid, gid, gid), "setresgid");
            Check(LibC.SetResUid(uid, uid, uid), "setresuid");
        }

        ulong mask = Mask(keep);
        var header = new LibC.CapUserHeader { Version = LibC.LINUX_CAPABILITY_VERSION_3 };
        LibC.CapUserData* data = stackalloc LibC.CapUserData[2];
        data[0] = new LibC.CapUserData { Effective = (uint)mask, Permitted = (uint)mask };
        data[1] = new LibC.CapUserData { Effective = (uint)(mask >> 32), Permitted = (uint)(mask >> 32) };
        Check(LibC.CapSet(&header, data), "capset");
        Check(LibC.Prctl(LibC.PR_SET_KEEPCAPS, 0, 0, 0, 0), "prctl(PR_SET_KEEPCAPS, 0)");

        // Ambient capabilities (Linux 4.3) would survive an exec; root had none, but clear them where they exist.
        if (LibC.Prctl(LibC.PR_CAP_AMBIENT, LibC.PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && LibC.LastErrno != LibC.EINVAL)
        {
            throw new PrivilegeDropException("prctl(PR_CAP_AMBIENT_CLEAR_ALL)", LibC.LastErrno);
        }

        if (LibC.Prctl(LibC.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        {
            unsupported.Add($"no_new_privs (Linux 3.5): {LibC.Describe(LibC.LastErrno)}");
            return unsupported;
        }

        if (!thisThreadOnly && SynchronizeNoNewPrivileges() is { } problem)
        {
            unsupported.Add($"no_new_privs on the other threads (seccomp TSYNC, Linux 3.17): {problem}");
        }

        return unsupported;
    }

    // An allow-all seccomp filter with TSYNC: the kernel gives every thread the caller's filter and, since the caller
    // has no_new_privs, no_new_privs too (kernel/seccomp.c seccomp_sync_threads). Returns why not, or null.
    private static string? SynchronizeNoNewPrivileges()
    {
        if (LibC.SeccompSyscall is not { } seccomp)
        {
            return "unknown seccomp system call on this architecture";
        }

        LibC.SockFilter allow = new() { Code = LibC.BPF_RET_K, K = LibC.SECCOMP_RET_ALLOW };
        LibC.SockFprog program = new() { Length = 1, Filter = &allow };
        nint result = LibC.Syscall(seccomp, LibC.SECCOMP_SET_MODE_FILTER, LibC.SECCOMP_FILTER_FLAG_TSYNC, (nuint)(&program));
        return result == 0 ? null
            : result > 0 ? $"thread {result} could not be synchronized"
            : LibC.Describe(LibC.LastErrno);
    }

    private static (nint SetGroups, nint SetResGid, nint SetResUid) RawCredentialCalls() =>
        System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture switch
        {
            System.Runtime.InteropServices.Architecture.X64 => (116, 119, 117),
            System.Runtime.InteropServices.Architecture.Arm64 => (159, 149, 147),
            _ => throw new PlatformNotSupportedException("raw credential system calls are known for x86_64 and arm64 only"),
        };

    private static void Check(int result, string step)
    {
        if (result != 0)
        {
            throw new PrivilegeDropException(step, LibC.LastErrno);
        }
    }
}
