// A throw-away network namespace for one test: unique name, iproute2 helpers, and code run inside it.
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace WgSharp.Tun.Tests.Support;

/// <summary>
/// Creates "wgtun-PID-N" with <c>ip netns add</c> (loopback up) and deletes it on Dispose.
/// <see cref="Run{T}"/> executes code on a fresh thread that called setns(2) into the namespace: setns only
/// changes the calling thread, so the test runner's threads stay in the root namespace, while every fd the
/// code opens (TUN, sockets, netlink) belongs to this namespace for its whole life, whichever thread uses it
/// later. That is why TUN tests create the device there rather than creating it outside and moving it.
/// </summary>
internal sealed class NetNs : IDisposable
{
    private static int s_counter;

    public NetNs()
    {
        Name = $"wgtun-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        Command.Check("ip", "netns", "add", Name);
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

    /// <summary>Runs <c>ip -n NAME args</c>, throwing on failure.</summary>
    public string Ip(params string[] arguments) => Command.Check("ip", ["-n", Name, .. arguments]);

    /// <summary>Runs a command inside the namespace (<c>ip netns exec</c>), bounded by <paramref name="timeout"/>.</summary>
    public (int ExitCode, string Output) Exec(TimeSpan timeout, params string[] command) =>
        Command.Run("ip", ["netns", "exec", Name, .. command], timeout);

    /// <summary>Starts a command inside the namespace in the background.</summary>
    public Task<(int ExitCode, string Output)> ExecAsync(TimeSpan timeout, params string[] command) =>
        Task.Factory.StartNew(() => Exec(timeout, command), TaskCreationOptions.LongRunning);

    /// <summary>Runs <paramref name="action"/> on a dedicated thread inside the namespace and returns its result.</summary>
    public T Run<T>(Func<T> action)
    {
        T result = default!;
        ExceptionDispatchInfo? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                Enter();
                result = action();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
        })
        { IsBackground = true, Name = $"in {Name}" };
        thread.Start();
        if (!thread.Join(TimeSpan.FromSeconds(60)))
        {
            throw new TimeoutException($"code in namespace {Name} did not finish");
        }
        failure?.Throw();
        return result;
    }

    public void Run(Action action) => Run(() =>
    {
        action();
        return 0;
    });

    private void Enter()
    {
        int fd = Interop.LibC.Open($"/run/netns/{Name}", Interop.LibC.O_RDONLY | Interop.LibC.O_CLOEXEC);
        if (fd < 0)
        {
            throw new InvalidOperationException($"open /run/netns/{Name}: errno {Marshal.GetLastPInvokeError()}");
        }
        try
        {
            if (TestLibC.SetNs(fd, TestLibC.CLONE_NEWNET) != 0)
            {
                throw new InvalidOperationException($"setns {Name}: errno {Marshal.GetLastPInvokeError()}");
            }
        }
        finally
        {
            Interop.LibC.Close(fd);
        }
    }

    public void Dispose() => Command.Run("ip", ["netns", "del", Name]);
}
