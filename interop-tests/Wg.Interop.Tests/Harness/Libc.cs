// The libc calls the harness needs that .NET does not expose: sending a chosen signal to a process.
using System.Runtime.InteropServices;

namespace WgSharp.Interop.Tests.Harness;

internal static partial class Libc
{
    public const int SIGINT = 2;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;

    /// <summary>kill(2): returns 0 on success, -1 with errno set (ESRCH when the process is gone).</summary>
    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    public static partial int Kill(int pid, int signal);
}
