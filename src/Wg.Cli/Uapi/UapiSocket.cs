// Where an interface's UAPI socket lives (/var/run/wireguard/<ifname>.sock, as wireguard-go and
// wg use) and how it is created: directory 0755, socket 0600, a stale file from a dead daemon
// replaced, a live one refused (wireguard-go ipc/uapi_unix.go UAPIOpen).
using System.Net.Sockets;
using WgSharp.Cli.Interop;

namespace WgSharp.Cli.Uapi;

internal static class UapiSocket
{
    public const string DefaultDirectory = "/var/run/wireguard";

    /// <summary>The socket path for <paramref name="interfaceName"/>.</summary>
    /// <exception cref="ArgumentException">The name is not a valid Linux interface name.</exception>
    public static string PathFor(string interfaceName, string directory = DefaultDirectory)
    {
        if (!IsValidInterfaceName(interfaceName))
        {
            throw new ArgumentException($"'{UapiSyntax.Printable(interfaceName)}' is not a valid interface name.", nameof(interfaceName));
        }

        return Path.Combine(directory, interfaceName + ".sock");
    }

    /// <summary>The kernel's rule (net/core/dev.c dev_valid_name): 1-15 bytes, not "." or "..",
    /// no '/', ':' or white space.</summary>
    public static bool IsValidInterfaceName(string name)
    {
        if (name.Length is 0 or > 15 || name is "." or "..")
        {
            return false;
        }

        foreach (char c in name)
        {
            if (c <= ' ' || c >= 0x7F || c is '/' or ':')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True if a process accepts connections on the socket at <paramref name="path"/>.</summary>
    public static bool IsAnswering(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// Creates <paramref name="directory"/> and its missing parents with mode 0755, as wireguard-go's
    /// /var/run/wireguard. The mode is set explicitly: a mode given at creation is filtered by the umask,
    /// which <see cref="Listen"/> narrows to 077 for a moment while binding, process-wide, so another
    /// thread's bind could otherwise leave the directory 0700. Existing directories are left as they are.
    /// </summary>
    private static void CreateDirectories(string directory)
    {
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        var missing = new Stack<string>();
        for (string? current = directory; !string.IsNullOrEmpty(current) && !Directory.Exists(current); current = Path.GetDirectoryName(current))
        {
            missing.Push(current);
        }

        foreach (string created in missing)
        {
            Directory.CreateDirectory(created);
            File.SetUnixFileMode(created, mode);
        }
    }

    /// <summary>Creates, binds and listens on the socket at <paramref name="path"/>.</summary>
    /// <exception cref="UapiSocketInUseException">A live process already answers there.</exception>
    /// <exception cref="IOException">The path holds something that is not a socket, or cannot be created.</exception>
    public static Socket Listen(string path, out Libc.FileIdentity identity)
    {
        string directory = Path.GetDirectoryName(path)!;
        CreateDirectories(directory);

        // The socket is bound and listening under a temporary name (which `wg`, looking for *.sock,
        // ignores) and then renamed into place: clients never find a socket that refuses connections
        // (`wg` deletes those), a stale file is replaced atomically, and .NET, which deletes the path it
        // bound when the socket is disposed, can never delete a newer daemon's socket at the real path.
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Random.Shared.Next():x}.tmp");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            Bind(listener, temporary);
            listener.Listen(128);
            if (Libc.TryStat(Libc.AtFdCwd, path, Libc.AtSymlinkNoFollow, out Libc.FileIdentity existing))
            {
                if (IsAnswering(path))
                {
                    throw new UapiSocketInUseException(path);
                }

                // Nobody answers: a daemon died without removing its socket. Replace it, but never
                // something that is not a socket.
                if (!existing.IsSocket)
                {
                    throw new IOException($"{path} exists and is not a socket; not replacing it");
                }
            }

            File.Move(temporary, path, overwrite: true); // rename(2)
            if (!Libc.TryStat(Libc.AtFdCwd, path, Libc.AtSymlinkNoFollow, out identity))
            {
                throw new IOException($"{path} vanished right after it was created");
            }

            return listener;
        }
        catch
        {
            listener.Dispose();
            File.Delete(temporary);
            throw;
        }
    }

    /// <summary>Removes the socket file if it is still the one <paramref name="identity"/> names (a newer
    /// daemon may have replaced it).</summary>
    public static void RemoveIfOwned(string path, Libc.FileIdentity identity)
    {
        if (Libc.TryStat(Libc.AtFdCwd, path, Libc.AtSymlinkNoFollow, out Libc.FileIdentity current) && current.IsSameFile(identity))
        {
            File.Delete(path);
        }
    }

    private static void Bind(Socket listener, string path)
    {
        // The socket file takes its mode from the umask at bind(2) (unix(7)): 077 leaves other users no
        // access from the first instant, as in wireguard-go; chmod then drops the meaningless execute
        // bit. umask is process-wide, so it is restored at once.
        uint previous = Libc.umask(0x3F);
        try
        {
            listener.Bind(new UnixDomainSocketEndPoint(path));
        }
        finally
        {
            Libc.umask(previous);
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
    }
}
