// The files `up` shares with a daemon that does not run as root. /run/wgsharp stays root's (mode 0711: others may
// pass through, not list or change it) and the state file root's alone (0600). Beside it:
//   <ifname>.plan     root's, mode 0640, group the daemon's: what the daemon's keepers need of the state (its pid
//                     and namespace, the split-route families, `up`'s endpoint host routes, the when-up steering
//                     tables), rewritten with every change of the state;
//   <ifname>.daemon/  the daemon user's, mode 0700: its records (DaemonRouteRecords) of what it changed outside the
//                     interface, which `down` needs also after `kill -9` of the daemon.
// Root never writes into the daemon's directory, reads from it only without following symlinks (a file the daemon
// user owns, of bounded size, validated as data), and takes it back (chown to root) before removing what is in it.
using System.Text.Json;
using WgSharp.Cli.Interop;
using WgSharp.Tun;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

internal static class DaemonFiles
{
    /// <summary>The name of the records file in the daemon's directory.</summary>
    public const string RecordsName = "routes";

    /// <summary>At most this many bytes of records are read: far more than the few routes per peer the keeper keeps.</summary>
    public const int MaxRecordsBytes = 256 * 1024;

    /// <summary>At most this many recorded routes are removed by `down`.</summary>
    public const int MaxRecordedRoutes = 1024;

    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>
    /// Makes an empty <paramref name="directory"/> owned by <paramref name="user"/> (mode 0700), removing a leftover
    /// one first. Its parent must be root's and not writable by others (the state directory).
    /// </summary>
    public static void PrepareDirectory(string directory, StateDaemonUser user)
    {
        Remove(directory);
        Directory.CreateDirectory(directory, DirectoryMode);
        if (!Libc.TryStatOwner(directory, out int mode, out uint owner) || (mode & Libc.SIfMt) != Libc.SIfDir || owner != 0)
        {
            throw new QuickException($"{directory} is not a directory of root's");
        }

        if (Libc.lchown(directory, user.Uid, user.Gid) != 0)
        {
            throw new QuickException($"cannot give {directory} to user {user.Name}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }

        File.SetUnixFileMode(directory, DirectoryMode);
    }

    /// <summary>
    /// The records in <paramref name="directory"/>, if its owner is <paramref name="uid"/>: the host routes outside
    /// <paramref name="interfaceName"/> in the main table it lists, at most <see cref="MaxRecordedRoutes"/>. Anything
    /// else in it is left out and said in <paramref name="problems"/>; a missing file is no records.
    /// </summary>
    public static List<StateRoute> ReadAddedRoutes(string directory, uint uid, string interfaceName, List<string> problems)
    {
        string path = Path.Combine(directory, RecordsName);
        if (!Libc.TryStatOwner(directory, out int directoryMode, out uint directoryOwner))
        {
            return [];
        }

        if ((directoryMode & Libc.SIfMt) != Libc.SIfDir || directoryOwner != uid)
        {
            problems.Add($"{directory} is not the daemon's directory (owner {directoryOwner}, expected {uid}); its records are ignored");
            return [];
        }

        byte[]? bytes = ReadOwnedFile(path, uid, problems);
        if (bytes is null)
        {
            return [];
        }

        DaemonRouteRecords? records;
        try
        {
            records = JsonSerializer.Deserialize(bytes, QuickStateJsonContext.Default.DaemonRouteRecords);
        }
        catch (JsonException e)
        {
            problems.Add($"{path} is damaged ({e.Message}); its records are ignored");
            return [];
        }

        var routes = new List<StateRoute>();
        foreach (StateRoute? route in records?.Added ?? [])
        {
            if (routes.Count == MaxRecordedRoutes)
            {
                problems.Add($"{path} lists more than {MaxRecordedRoutes} routes; the rest are ignored");
                break;
            }

            if (route is not null && IsEndpointHostRoute(route, interfaceName))
            {
                routes.Add(route);
            }
            else
            {
                problems.Add($"{path}: an entry that is not an endpoint host route is ignored");
            }
        }

        return routes;
    }

    /// <summary>What the daemon may add and `down` may remove: a host route in the main table through another
    /// interface than the tunnel, with a valid gateway or none.</summary>
    public static bool IsEndpointHostRoute(StateRoute route, string interfaceName) =>
        RoutePrefix.TryParse(route.Destination, out RoutePrefix prefix) && prefix.IsHost
        && route.Table == IprouteNames.TableMain
        && route.Device is { Length: > 0 and <= 15 } device && device != interfaceName
        && !device.Contains('/', StringComparison.Ordinal) && device != "." && device != ".."
        && (route.Gateway is null || System.Net.IPAddress.TryParse(route.Gateway, out _));

    /// <summary>
    /// Removes <paramref name="directory"/> and everything in it. Each directory is first taken back (owner root,
    /// mode 0700), so that nobody else can change its entries while they are removed, and a symlink is removed as
    /// the link it is, never followed.
    /// </summary>
    public static void Remove(string directory)
    {
        if (!Libc.TryStatOwner(directory, out int mode, out _))
        {
            return;
        }

        if ((mode & Libc.SIfMt) != Libc.SIfDir)
        {
            File.Delete(directory);
            return;
        }

        if (Libc.lchown(directory, 0, 0) != 0)
        {
            throw new IOException($"cannot take back {directory}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        }

        File.SetUnixFileMode(directory, DirectoryMode);
        foreach (string entry in Directory.EnumerateFileSystemEntries(directory).ToArray())
        {
            if (Libc.TryStatOwner(entry, out int entryMode, out _) && (entryMode & Libc.SIfMt) == Libc.SIfDir)
            {
                Remove(entry);
            }
            else
            {
                File.Delete(entry);
            }
        }

        Directory.Delete(directory);
    }

    // The file's bytes if it is a regular file of `uid`'s no larger than MaxRecordsBytes: opened without following a
    // symlink and without blocking (a FIFO planted there must not hang `down`), checked on the open descriptor.
    private static byte[]? ReadOwnedFile(string path, uint uid, List<string> problems)
    {
        int fd = Libc.open(path, Libc.O_RDONLY | Libc.O_NOFOLLOW | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
        if (fd < 0)
        {
            Errno errno = Libc.LastErrno;
            if (errno != Errno.ENOENT)
            {
                problems.Add($"cannot open {path} (errno {errno.Number()}); its records are ignored");
            }

            return null;
        }

        using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(fd, ownsHandle: true);
        if (!IsRegularOwnedBy(fd, uid))
        {
            problems.Add($"{path} is not a regular file of the daemon user; its records are ignored");
            return null;
        }

        long length = RandomAccess.GetLength(handle);
        if (length > MaxRecordsBytes)
        {
            problems.Add($"{path} is larger than {MaxRecordsBytes} bytes; its records are ignored");
            return null;
        }

        byte[] bytes = new byte[length];
        int read = 0;
        while (read < bytes.Length)
        {
            int n = RandomAccess.Read(handle, bytes.AsSpan(read), read);
            if (n == 0)
            {
                break;
            }

            read += n;
        }

        return bytes[..read];
    }

    private static bool IsRegularOwnedBy(int fd, uint uid) =>
        Libc.TryStatDescriptor(fd, out int mode, out uint owner) && (mode & Libc.SIfMt) == Libc.SIfReg && owner == uid;
}
