// PrivilegedThread: work handed to it runs on the serving thread (the one that keeps capabilities), results and
// exceptions come back to the caller, and once serving has ended work runs where it is asked for.
using WgSharp.Cli.Daemon;

namespace WgSharp.Cli.Tests.Daemon;

public sealed class PrivilegedThreadTests
{
    [Fact]
    public void Work_runs_on_the_serving_thread_and_results_and_exceptions_come_back()
    {
        int servingThread = 0;
        int ranOn = 0;
        Exception? thrown = null;
        var serving = new Thread(() =>
        {
            var privileged = new PrivilegedThread();
            servingThread = Environment.CurrentManagedThreadId;
            Task caller = Task.Run(() =>
            {
                ranOn = privileged.Invoke(() => Environment.CurrentManagedThreadId);
                thrown = Record.Exception(() => privileged.Invoke(() => throw new InvalidOperationException("from the privileged thread")));
            });
            privileged.Serve(caller);
        });
        serving.Start();
        Assert.True(serving.Join(TimeSpan.FromSeconds(30)));

        Assert.Equal(servingThread, ranOn);
        Assert.Equal("from the privileged thread", Assert.IsType<InvalidOperationException>(thrown).Message);
    }

    [Fact]
    public async Task After_serving_ends_work_runs_on_the_callers_thread()
    {
        var privileged = new PrivilegedThread();
        privileged.Serve(Task.CompletedTask);
        int caller = 0;
        int ranOn = await Task.Run(() =>
        {
            caller = Environment.CurrentManagedThreadId;
            return privileged.Invoke(() => Environment.CurrentManagedThreadId);
        });
        Assert.Equal(caller, ranOn);
    }
}
