// Giving up root while one thread keeps CAP_NET_ADMIN: run on a thread of its own with the per-thread variant
// of the drop (the process running the tests keeps its credentials), then checked in /proc/thread-self/status
// and by what the thread can and cannot do.
using WgSharp.Tun.Tests.Support;

namespace WgSharp.Tun.Tests.Kernel;

public class ProcessPrivilegesTests
{
    private const uint Nobody = 65534;

    private static T OnDroppedThread<T>(Capability[] keep, Func<IReadOnlyList<string>, T> check)
    {
        T result = default!;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = check(ProcessPrivileges.DropThisThreadOnly(Nobody, Nobody, keep));
            }
            catch (Exception e)
            {
                failure = e;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result : throw new InvalidOperationException("on the dropped thread", failure);
    }

    private static Dictionary<string, string> ThreadStatus() =>
        File.ReadAllLines("/proc/thread-self/status").Select(l => l.Split(':', 2)).ToDictionary(p => p[0], p => p[1].Trim());

    [RootFact]
    public void The_thread_keeps_exactly_the_capabilities_asked_for_as_nobody_with_no_new_privs()
    {
        var status = OnDroppedThread([Capability.NetAdmin], unsupported =>
        {
            Assert.Empty(unsupported);
            (ulong effective, ulong permitted) = ProcessPrivileges.ThreadCapabilities();
            Assert.Equal(1UL << 12, effective);
            Assert.Equal(1UL << 12, permitted);
            return ThreadStatus();
        });

        Assert.Equal("65534\t65534\t65534\t65534", status["Uid"]);
        Assert.Equal("65534\t65534\t65534\t65534", status["Gid"]);
        Assert.Equal("", status["Groups"]);
        Assert.Equal("0000000000001000", status["CapEff"]);
        Assert.Equal("0000000000001000", status["CapPrm"]);
        Assert.Equal("0000000000000000", status["CapInh"]);
        Assert.Equal("1", status["NoNewPrivs"]);
    }

    [RootFact]
    public void Root_powers_beyond_the_kept_set_are_gone_and_a_thread_it_starts_inherits_the_kept_set()
    {
        (bool readShadow, string childCapEff) = OnDroppedThread([Capability.NetAdmin, Capability.NetBindService], _ =>
        {
            bool canRead;
            try
            {
                File.ReadAllBytes("/etc/shadow"); // root-only: CAP_DAC_OVERRIDE is gone
                canRead = true;
            }
            catch (UnauthorizedAccessException)
            {
                canRead = false;
            }

            string inherited = "";
            var child = new Thread(() => inherited = ThreadStatus()["CapEff"]);
            child.Start();
            child.Join();
            return (canRead, inherited);
        });

        Assert.False(readShadow);
        Assert.Equal("0000000000001400", childCapEff);
        Assert.NotEqual(0UL, ProcessPrivileges.ThreadCapabilities().Effective & (1UL << 1)); // this thread keeps CAP_DAC_OVERRIDE
        Assert.True(ProcessPrivileges.IsRoot);
    }

    [Fact]
    public void Users_are_found_in_the_user_database()
    {
        Assert.True(ProcessPrivileges.TryFindUser("root", out uint uid, out uint gid));
        Assert.Equal((0u, 0u), (uid, gid));
        Assert.False(ProcessPrivileges.TryFindUser("no-such-user-wgsharp-test", out _, out _));
    }
}
