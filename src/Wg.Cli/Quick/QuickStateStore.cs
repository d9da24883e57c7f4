// The directory of state files (/run/wgsharp, mode 0700): one JSON file per interface, replaced
// atomically (written beside it, flushed to disk, renamed over it), plus advisory lock files that keep
// two `up`/`down` runs for one interface, or two re-orderings of shared kernel state, apart.
using System.Text.Json;

namespace WgSharp.Cli.Quick;

internal sealed class QuickStateStore
{
    public const string DefaultDirectory = "/run/wgsharp";

    private static readonly TimeSpan s_globalLockWait = TimeSpan.FromSeconds(15);

    public QuickStateStore(string directory = DefaultDirectory) => Directory = directory;

    public string Directory { get; }

    public string PathFor(string interfaceName) => System.IO.Path.Combine(Directory, interfaceName + ".state");

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

    /// <summary>Replaces the state file atomically: readers see the old or the new file, never a mix.</summary>
    public void Save(QuickState state)
    {
        EnsureDirectory();
        string path = PathFor(state.Interface);
        WriteAtomically(path, JsonSerializer.SerializeToUtf8Bytes(state, QuickStateJsonContext.Default.QuickState));
    }

    public void Delete(string interfaceName) => File.Delete(PathFor(interfaceName));

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
        DateTime deadline = DateTime.UtcNow + s_globalLockWait;
        while (true)
        {
            if (TryLock(path) is { } held)
            {
                return held;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new QuickException($"{path} stayed locked for {s_globalLockWait.TotalSeconds:0} s by another wgsharp");
            }

            Thread.Sleep(50);
        }
    }

    internal void WriteAtomically(string path, ReadOnlySpan<byte> contents) => AtomicFile.Replace(path, contents);

    private void EnsureDirectory() =>
        System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

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
