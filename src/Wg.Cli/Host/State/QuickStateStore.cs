// The directory of state files (/run/wgsharp, root's, mode 0711): one JSON file per interface (mode 0600), replaced
// atomically (written beside it, flushed to disk, renamed over it), plus advisory lock files that keep
// two `up`/`down` runs for one interface, or two re-orderings of shared kernel state, apart. Beside each state file
// whose daemon has a user of its own, the plan that daemon reads and the directory it writes (DaemonFiles).
using System.Text.Json;

namespace WgSharp.Cli.Host;

internal sealed class QuickStateStore
{
    public const string DefaultDirectory = "/run/wgsharp";

    /// <summary>The state directory's mode: root's, others may only pass through.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>The plan's mode (its group is the daemon's).</summary>
    public const UnixFileMode PlanMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead;

    private static readonly TimeSpan GlobalLockWait = TimeSpan.FromSeconds(15);

    // The plan last written per interface, so that the many saves of `up` rewrite it only when it changed.
    private readonly Dictionary<string, byte[]> _plans = [];

    private readonly TimeProvider _clock;

    /// <param name="clock">Bounds the wait for the shared lock; the system clock when null.</param>
    public QuickStateStore(string directory = DefaultDirectory, TimeProvider? clock = null)
    {
        Directory = directory;
        _clock = clock ?? TimeProvider.System;
    }

    public string Directory { get; }

    public string PathFor(string interfaceName) => System.IO.Path.Combine(Directory, interfaceName + ".state");

    /// <summary>The part of the state the interface's daemon reads (DaemonFiles).</summary>
    public string PlanPathFor(string interfaceName) => System.IO.Path.Combine(Directory, interfaceName + ".plan");

    /// <summary>The directory the interface's daemon writes its records in (DaemonFiles).</summary>
    public string DaemonDirectoryFor(string interfaceName) => System.IO.Path.Combine(Directory, interfaceName + ".daemon");

    public bool Exists(string interfaceName) => File.Exists(PathFor(interfaceName));

    /// <summary>The state of <paramref name="interfaceName"/>; null when there is none.</summary>
    /// <exception cref="QuickException">The file exists but cannot be read or is not a state file.</exception>
    public QuickState? Load(string interfaceName)
    {
        string path = PathFor(interfaceName);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new QuickException($"cannot read {path}: {e.Message}", e);
        }

        return Parse(path, interfaceName, bytes);
    }

    private static QuickState Parse(string path, string interfaceName, byte[] bytes)
    {
        try
        {
            QuickState? state = JsonSerializer.Deserialize(bytes, QuickStateJsonContext.Default.QuickState);
            if (state is null || state.Version != QuickState.CurrentVersion || state.Interface != interfaceName)
            {
                throw new QuickException($"{path} is not a wgsharp state file for '{interfaceName}' (version {state?.Version})");
            }

            return state;
        }
        catch (JsonException e)
        {
            throw new QuickException($"{path} is damaged: {e.Message}", e);
        }
    }

    /// <summary>Replaces the state file atomically: readers see the old or the new file, never a mix. When the state
    /// names the daemon's user, the daemon's plan follows (rewritten only when it changed).</summary>
    public void Save(QuickState state)
    {
        EnsureDirectory();
        string path = PathFor(state.Interface);
        WriteAtomically(path, JsonSerializer.SerializeToUtf8Bytes(state, QuickStateJsonContext.Default.QuickState));
        if (state.DaemonUser is { } user)
        {
            byte[] plan = JsonSerializer.SerializeToUtf8Bytes(PlanOf(state), QuickStateJsonContext.Default.QuickState);
            lock (_plans)
            {
                if (!_plans.TryGetValue(state.Interface, out byte[]? written) || !written.AsSpan().SequenceEqual(plan))
                {
                    AtomicFile.Replace(PlanPathFor(state.Interface), plan, PlanMode, user.Gid);
                    _plans[state.Interface] = plan;
                }
            }
        }
    }

    /// <summary>
    /// The daemon's view of the state: its pid and namespace, the phase, the default route modes, `up`'s endpoint host
    /// routes (no other route) and the when-up steering tables; nothing else `up` recorded.
    /// </summary>
    public static QuickState PlanOf(QuickState state) => new()
    {
        Interface = state.Interface,
        NetworkNamespace = state.NetworkNamespace,
        Phase = state.Phase,
        Started = state.Started,
        Daemon = state.Daemon,
        DefaultRoutes = state.DefaultRoutes,
        Routes = [.. EndpointRoutePlan.EndpointRoutes(state, state.Interface)],
        WhenUpSteering = state.WhenUpSteering,
        PolicyTable = state.PolicyTable,
    };

    /// <summary>The daemon's plan (<see cref="PlanOf"/>); null when there is none or the daemon may not read it (then it
    /// was not started by `up` for it).</summary>
    /// <exception cref="QuickException">The file is damaged.</exception>
    public QuickState? LoadPlan(string interfaceName)
    {
        string path = PlanPathFor(interfaceName);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return null;
        }
        catch (IOException e)
        {
            throw new QuickException($"cannot read {path}: {e.Message}", e);
        }

        return Parse(path, interfaceName, bytes);
    }

    /// <summary>Removes the state file, and the daemon's plan and directory with it.</summary>
    public void Delete(string interfaceName)
    {
        DaemonFiles.Remove(DaemonDirectoryFor(interfaceName));
        File.Delete(PlanPathFor(interfaceName));
        lock (_plans)
        {
            _plans.Remove(interfaceName);
        }

        File.Delete(PathFor(interfaceName));
    }

    /// <summary>Holds the lock of one interface; throws at once when another run holds it.</summary>
    public IDisposable LockInterface(string interfaceName)
    {
        EnsureDirectory();
        string path = System.IO.Path.Combine(Directory, interfaceName + ".lock");
        return TryLock(path) ?? throw new QuickException($"another `wgsharp up` or `down` for '{interfaceName}' is running");
    }

    /// <summary>
    /// Holds the lock over kernel state several interfaces share (the local rule's position, the shared
    /// sysctl registry), waiting for another holder a bounded while.
    /// </summary>
    public IDisposable LockShared()
    {
        EnsureDirectory();
        string path = System.IO.Path.Combine(Directory, "shared.lock");
        long started = _clock.GetTimestamp();
        while (true)
        {
            if (TryLock(path) is { } held)
            {
                return held;
            }

            if (_clock.GetElapsedTime(started) > GlobalLockWait)
            {
                throw new QuickException($"{path} stayed locked for {GlobalLockWait.TotalSeconds:0} s by another wgsharp");
            }

            Thread.Sleep(50);
        }
    }

    internal void WriteAtomically(string path, ReadOnlySpan<byte> contents) => AtomicFile.Replace(path, contents);

    // 0711: a daemon running as another user passes through to its plan and directory by name; nobody but root lists
    // or changes the directory (one made 0700 by an older version is opened up that far).
    private void EnsureDirectory()
    {
        System.IO.Directory.CreateDirectory(Directory, DirectoryMode);
        if (File.GetUnixFileMode(Directory) != DirectoryMode)
        {
            File.SetUnixFileMode(Directory, DirectoryMode);
        }
    }

    // FileShare.None takes flock(LOCK_EX | LOCK_NB) on Unix: released when the descriptor closes, also
    // when the process dies, so a killed run never leaves a lock behind.
    private static FileStream? TryLock(string path)
    {
        try
        {
            return new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.None,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
    }
}
