// Everything the harness must tear down even if a test never reaches its Dispose: namespaces, daemons
// and sockets are registered here and disposed, newest first, when the test process exits.
namespace WgSharp.Interop.Tests.Harness;

internal static class CleanupRegistry
{
    private static readonly List<IDisposable> Live = []; // guarded by Live

    static CleanupRegistry() => AppDomain.CurrentDomain.ProcessExit += (_, _) => DisposeAll();

    public static void Register(IDisposable resource)
    {
        lock (Live)
        {
            Live.Add(resource);
        }
    }

    public static void Unregister(IDisposable resource)
    {
        lock (Live)
        {
            Live.Remove(resource);
        }
    }

    /// <summary>Number of registered resources not yet disposed (for tests of the harness itself).</summary>
    public static int LiveCount
    {
        get
        {
            lock (Live)
            {
                return Live.Count;
            }
        }
    }

    private static void DisposeAll()
    {
        IDisposable[] snapshot;
        lock (Live)
        {
            snapshot = [.. Live];
        }

        // Newest first: a daemon goes before the namespace it runs in.
        for (var i = snapshot.Length - 1; i >= 0; i--)
        {
            try
            {
                snapshot[i].Dispose();
            }
            catch (Exception e)
            {
                // Process exit: report and keep cleaning the rest.
                Console.Error.WriteLine($"interop cleanup: {e.Message}");
            }
        }
    }
}
