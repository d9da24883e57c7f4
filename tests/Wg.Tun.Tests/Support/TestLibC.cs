// libc calls only the tests need: setns(2) to enter a namespace, capget/capset(2) to drop a capability per thread.
using System.Runtime.InteropServices;

namespace WgSharp.Tun.Tests.Support;

internal static unsafe partial class TestLibC
{
    public const int CLONE_NEWNET = 0x40000000;
    public const int CAP_NET_ADMIN = 12;
    public const int CAP_NET_RAW = 13;
    private const uint LinuxCapabilityVersion3 = 0x20080522;

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    public static partial int SetNs(int fd, int nsType);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEuid();

    [LibraryImport("libc", EntryPoint = "capget", SetLastError = true)]
    private static partial int CapGet(CapHeader* header, CapData* data);

    [LibraryImport("libc", EntryPoint = "capset", SetLastError = true)]
    private static partial int CapSet(CapHeader* header, CapData* data);

    [StructLayout(LayoutKind.Sequential)]
    private struct CapHeader
    {
        public uint Version;
        public int Pid;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct CapData
    {
        public uint Effective;
        public uint Permitted;
        public uint Inheritable;
    }

    /// <summary>
    /// Removes capabilities from the calling thread's effective set. Linux capabilities are per thread and
    /// glibc's capset does not broadcast, so only this (dedicated) thread loses them.
    /// </summary>
    public static void DropEffectiveCapabilities(params int[] capabilities)
    {
        CapHeader header = new() { Version = LinuxCapabilityVersion3, Pid = 0 };
        CapData* data = stackalloc CapData[2];
        if (CapGet(&header, data) != 0)
        {
            throw new InvalidOperationException($"capget failed: errno {Marshal.GetLastPInvokeError()}");
        }
        foreach (int capability in capabilities)
        {
            data[capability / 32].Effective &= ~(1u << (capability % 32));
        }
        if (CapSet(&header, data) != 0)
        {
            throw new InvalidOperationException($"capset failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }
}
