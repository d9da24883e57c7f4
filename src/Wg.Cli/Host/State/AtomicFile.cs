// Replacing a file so that readers see the old or the new contents, never a mix, and so that nobody who can
// write to the directory can redirect or pre-shape the write: the contents go to a fresh file with a random
// name beside the target, created exclusively (O_CREAT|O_EXCL never follows a symlink planted at that name,
// nor opens a file somebody made there first), given mode 0600 explicitly (the umask cannot widen or narrow
// it), flushed to disk, and renamed over the target.
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace WgSharp.Cli.Host;

internal static class AtomicFile
{
    /// <summary>The mode of every file written through here: owner read and write (state, keys).</summary>
    public const UnixFileMode Mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Replaces <paramref name="path"/> with <paramref name="contents"/>; on failure the target is as it was
    /// and no temporary file is left behind.</summary>
    public static void Replace(string path, ReadOnlySpan<byte> contents) => Replace(path, contents, Mode, group: null);

    /// <summary>The same with the file given <paramref name="mode"/> and, when not null, the group
    /// <paramref name="group"/> (set on the open file before it takes the target's name).</summary>
    public static void Replace(string path, ReadOnlySpan<byte> contents, UnixFileMode mode, uint? group)
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
                UnixCreateMode = mode & Mode,
            }))
            {
                created = true;
                if (group is { } gid && Cli.Interop.Libc.fchown((int)stream.SafeFileHandle.DangerousGetHandle(), uint.MaxValue, gid) != 0)
                {
                    throw new IOException($"cannot give {temporary} to group {gid}: errno {Marshal.GetLastPInvokeError()}");
                }

                File.SetUnixFileMode(stream.SafeFileHandle, mode);
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
