// Which interfaces `show all` and `show interfaces` list: every <name>.sock in the socket directory,
// in directory order, that is a socket and does not refuse connections (a daemon that died leaves a
// stale socket behind; wg deletes those, `show` only skips them). Only userspace interfaces are
// found: kernel WireGuard interfaces are reached over generic netlink, which wgsharp does not speak.
using System.Net.Sockets;
using WgSharp.Cli.Interop;
using WgSharp.Cli.Uapi;

namespace WgSharp.Cli.Presentation;

internal static class InterfaceDiscovery
{
    private const string Suffix = ".sock";

    /// <exception cref="IOException">The directory exists but cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">The directory cannot be read.</exception>
    public static List<string> List(string socketDirectory)
    {
        var names = new List<string>();
        if (!Directory.Exists(socketDirectory))
        {
            return names;
        }

        // Directory.EnumerateFileSystemEntries reads the directory with readdir and does not sort, so
        // the order is wg's.
        foreach (string path in Directory.EnumerateFileSystemEntries(socketDirectory))
        {
            string file = Path.GetFileName(path);
            if (file.Length <= Suffix.Length || !file.EndsWith(Suffix, StringComparison.Ordinal))
            {
                continue;
            }

            string name = file[..^Suffix.Length];
            if (UapiSocket.IsValidInterfaceName(name)
                && Libc.TryStat(Libc.AtFdCwd, path, 0, out Libc.FileIdentity identity) && identity.IsSocket
                && IsLive(path))
            {
                names.Add(name);
            }
        }

        return names;
    }

    // Only a refused (or vanished) socket is dead: one that refuses this user (EACCES) is listed, and
    // reading it then says why it cannot be read, as with wg.
    private static bool IsLive(string path)
    {
        using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            probe.Connect(new UnixDomainSocketEndPoint(path));
            return true;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode is not (SocketError.ConnectionRefused or SocketError.AddressNotAvailable);
        }
    }
}
