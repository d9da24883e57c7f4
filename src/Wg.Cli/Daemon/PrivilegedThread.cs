// The one thread of the daemon that keeps capabilities after it gives up root: the process's main thread (the one
// /proc/<pid>/status describes). Capabilities belong to each thread, and the data plane, the UAPI parser and the
// thread pool must have none, so every operation that needs CAP_NET_ADMIN (rtnetlink route changes, SO_MARK) or
// CAP_NET_BIND_SERVICE (a port below 1024) is handed to this thread and waited for. It runs nothing else.
// (The alternative, re-executing with ambient capabilities, needs Linux 4.3 and leaves them on every thread.)
using System.Collections.Concurrent;
using System.Runtime.ExceptionServices;

namespace WgSharp.Cli.Daemon;

internal sealed class PrivilegedThread
{
    private readonly BlockingCollection<Action> _work = [];
    private readonly int _threadId = Environment.CurrentManagedThreadId;

    /// <summary>Runs <paramref name="work"/> on the privileged thread and returns its result (or throws its exception).
    /// Once that thread has stopped serving, it runs on the caller's thread.</summary>
    public T Invoke<T>(Func<T> work)
    {
        if (Environment.CurrentManagedThreadId == _threadId)
        {
            return work();
        }

        T result = default!;
        ExceptionDispatchInfo? failure = null;
        using var done = new ManualResetEventSlim();
        void Run()
        {
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                failure = ExceptionDispatchInfo.Capture(e);
            }
            finally
            {
                done.Set();
            }
        }

        try
        {
            _work.Add(Run);
        }
        catch (InvalidOperationException)
        {
            return work(); // no longer served: the daemon is past its end
        }

        done.Wait();
        failure?.Throw();
        return result;
    }

    public void Invoke(Action work) => Invoke(() =>
    {
        work();
        return true;
    });

    /// <summary>Serves requests on the calling thread (the one that created this object) until <paramref name="until"/>
    /// completes.</summary>
    public void Serve(Task until)
    {
        until.ContinueWith(_ => _work.CompleteAdding(), TaskScheduler.Default);
        foreach (Action work in _work.GetConsumingEnumerable())
        {
            work();
        }
    }
}
