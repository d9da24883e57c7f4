// Replacing a file so that readers see the old or the new contents, never a mix, and so that nobody who can
// write to the directory can redirect or pre-shape the write: the contents go to a fresh file with a random
// name beside the target, created exclusively (O_CREAT|O_EXCL never follows a symlink planted at that name,
// nor opens a file somebody made there first), given mode 0600 explicitly (the umask cannot widen or narrow
// it), flushed to disk, and renamed over the target.
using System.Security.Cryptography;

namespace WgSharp.Cli.Quick;

internal static class AtomicFile
{
    /// <summary>The mode of every file written through here: owner read and write (state, keys).</summary>
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Replaces <paramref name="path"/> with <paramref name="contents"/>; on failure the target is as it was
    /// and no temporary file is left behind.</summary>
    public static void Replace(string path, ReadOnlySpan<byte> contents)
    {
        string directory = Path.GetDirectoryName(Path.GetFullPath(path)) ?? "/";
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.tmp");
        bool created = false;
        try
        {
            // FileMode.CreateNew is O_CREAT|O_EXCL: it fails on any existing entry of that name, a symlink included.
            using (var stream = new FileStream(temporary, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                UnixCreateMode = Mode,
            }))
            {
                created = true;
                File.SetUnixFileMode(stream.SafeFileHandle, Mode);
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temporary, path, overwrite: true);
        }
        catch
        {
            if (created)
            {
                File.Delete(temporary);
            }

            throw;
        }
    }
}
