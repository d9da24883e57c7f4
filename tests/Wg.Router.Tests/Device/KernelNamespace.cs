// A throw-away network namespace for the device's kernel tests: unique name, ip(8) helpers with a timeout, code
// run on a thread that entered it (setns only moves the calling thread; fds opened there stay there).
using System.Diagnostics;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace WgSharp.Router.Tests.Device;

internal sealed partial class KernelNamespace : IDisposable
{
    private const int CloneNewNet = 0x40000000;
    private static int s_counter;

    public KernelNamespace()
    {
        Name = $"wgdev-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        Run("ip", "netns", "add", Name);
        try
        {
            Ip("link", "set", "lo", "up");
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Name { get; }

    /// <summary>Root with iproute2: the only way these tests can create namespaces.</summary>
    public static bool Available =>
        OperatingSystem.IsLinux() && GetEuid() == 0 && (File.Exists("/usr/sbin/ip") || File.Exists("/sbin/ip") || File.Exists("/usr/bin/ip"));

    public string Ip(params string[] arguments) => Run("ip", ["-n", Name, .. arguments]);

    /// <summary>Runs <paramref name="action"/> on a new thread inside the namespace (bounded to a minute).</summary>
    public T Enter<T>(Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                int fd = Tun.Interop.LibC.Open($"/run/netns/{Name}", Tun.Interop.LibC.O_RDONLY | Tun.Interop.LibC.O_CLOEXEC);
                if (fd < 0 || SetNs(fd, CloneNewNet) != 0)
                {
                    throw new InvalidOperationException($"cannot enter {Name}: errno {Marshal.GetLastPInvokeError()}");
                }
                Tun.Interop.LibC.Close(fd);
                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        { IsBackground = true };
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException($"code in {Name} did not finish");
        }
        failure?.Throw();
        return result;
    }

    public void Dispose() => Run("ip", "netns", "del", Name);

    private static string Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {file}");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(15_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', arguments)} timed out");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)}: {output.Result}{error.Result}");
        }
        return output.Result;
    }

    [LibraryImport("libc", EntryPoint = "setns", SetLastError = true)]
    private static partial int SetNs(int fd, int type);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    private static partial uint GetEuid();
}
