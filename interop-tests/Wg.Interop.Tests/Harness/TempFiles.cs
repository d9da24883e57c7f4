// A private (0700) per-process scratch directory for keys, configs, logs and transfer payloads.
namespace WgSharp.Interop.Tests.Harness;

internal static class TempFiles
{
    private static readonly Lazy<string> TempDirectory = new(Create);
    private static int s_counter;

    public static string Directory => TempDirectory.Value;

    /// <summary>A fresh path (not yet created) in the scratch directory.</summary>
    public static string NewPath(string stem) =>
        Path.Combine(Directory, $"{stem}-{Interlocked.Increment(ref s_counter)}");

    /// <summary>Writes a file readable only by its owner: `wg` warns about world-readable key files.</summary>
    public static string WriteSecret(string stem, string contents)
    {
        var path = NewPath(stem);
        using var stream = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
        using var writer = new StreamWriter(stream);
        writer.Write(contents);
        return path;
    }

    private static string Create()
    {
        StaleResourceSweeper.EnsureSwept();
        var path = Path.Combine(Path.GetTempPath(), ResourceNames.Next('t'));
        System.IO.Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        CleanupRegistry.Register(new DirectoryRemover(path));
        return path;
    }

    private sealed class DirectoryRemover(string path) : IDisposable
    {
        public void Dispose()
        {
            if (System.IO.Directory.Exists(path))
            {
                System.IO.Directory.Delete(path, recursive: true);
            }
        }
    }
}
