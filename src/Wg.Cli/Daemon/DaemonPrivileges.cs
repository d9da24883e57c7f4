// Who the daemon runs as once its interface, sockets and netlink are set up: the user WGSHARP_USER names, else a
// dedicated system user `wgsharp` if there is one, else `nobody`; WGSHARP_USER=root keeps root. It then keeps only
// CAP_NET_ADMIN (routes, marks, link changes), and CAP_NET_BIND_SERVICE while its port is below 1024, on the
// privileged thread (PrivilegedThread), no supplementary groups, no_new_privs. What cannot be done is said, never
// skipped silently.
using WgSharp.Cli.Interop;
using WgSharp.Tun;

namespace WgSharp.Cli.Daemon;

internal static class DaemonPrivileges
{
    /// <summary>The environment variable naming the user the daemon becomes ("root": stays root).</summary>
    public const string UserVariable = "WGSHARP_USER";

    /// <summary>The dedicated system user taken when it exists.</summary>
    public const string DedicatedUser = "wgsharp";

    public const string FallbackUser = "nobody";

    /// <summary>The user to become, as (name, uid, gid); null when the daemon stays as it is, with the reason in
    /// <paramref name="why"/>.</summary>
    /// <exception cref="DaemonStartException">The named user does not exist.</exception>
    public static (string Name, uint Uid, uint Gid)? Resolve(string? requestedUser, out string why)
    {
        why = "";
        if (requestedUser == "root")
        {
            why = $"running as root ({UserVariable}=root)";
            return null;
        }

        if (!ProcessPrivileges.IsRoot)
        {
            why = "not started as root: nothing to give up";
            return null;
        }

        string user = requestedUser is { Length: > 0 } ? requestedUser : DefaultUser();
        if (!ProcessPrivileges.TryFindUser(user, out uint uid, out uint gid))
        {
            throw new DaemonStartException($"cannot run as user '{user}': no such user ({UserVariable}=root keeps root)");
        }

        if (uid == 0)
        {
            why = $"running as root (user '{user}' is uid 0)";
            return null;
        }

        return (user, uid, gid);
    }

    /// <summary>The user a daemon becomes when none is named: the dedicated system user if it exists, else nobody.</summary>
    public static string DefaultUser() =>
        ProcessPrivileges.TryFindUser(DedicatedUser, out _, out _) ? DedicatedUser : FallbackUser;

    /// <summary>The user <paramref name="name"/> in the user database (root included); false when there is none.</summary>
    public static bool TryFind(string name, out uint uid, out uint gid) => ProcessPrivileges.TryFindUser(name, out uid, out gid);

    /// <summary>
    /// Gives up root on the privileged thread. Returns lines for the user: what the daemon runs as and what this
    /// kernel could not do.
    /// </summary>
    /// <exception cref="DaemonStartException">The drop failed part-way.</exception>
    public static List<string> Drop(PrivilegedThread privileged, (string Name, uint Uid, uint Gid) user, ushort listenPort)
    {
        List<Capability> keep = [Capability.NetAdmin];
        if (listenPort is > 0 and < 1024)
        {
            keep.Add(Capability.NetBindService);
        }

        IReadOnlyList<string> unsupported;
        try
        {
            unsupported = privileged.Invoke(() => ProcessPrivileges.DropKeepingOnThisThread(user.Uid, user.Gid, keep));
        }
        catch (PrivilegeDropException e)
        {
            throw new DaemonStartException($"cannot give up root to user '{user.Name}': {e.Message} ({UserVariable}=root keeps root)");
        }

        var lines = new List<string>
        {
            $"running as user {user.Name} (uid {user.Uid}, gid {user.Gid}) keeping {string.Join(", ", keep.Select(Name))} on one thread",
        };
        lines.AddRange(unsupported.Select(u => $"this kernel lacks {u}"));
        return lines;
    }

    /// <summary>
    /// Once the daemon is no longer root it cannot delete its socket from the root-owned socket directory; a small
    /// process that stays behind as root, doing nothing but wait for the daemon's end (the pipe it reads from
    /// closes, however the daemon ends), removes it then, if it is still the daemon's socket (same inode: a newer
    /// daemon may have replaced it).
    /// </summary>
    public static System.Diagnostics.Process? StartSocketRemover(string socketPath)
    {
        if (!Libc.TryStat(Libc.AtFdCwd, socketPath, Libc.AtSymlinkNoFollow, out Libc.FileIdentity identity))
        {
            return null;
        }

        var start = new System.Diagnostics.ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            // Pipes of its own: it must not hold the launcher's streams open (someone may read them to their end).
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("cat >/dev/null; [ -S \"$1\" ] && [ \"$(stat -c %i -- \"$1\" 2>/dev/null)\" = \"$2\" ] && rm -f -- \"$1\"");
        start.ArgumentList.Add("wgsharp-socket-remover");
        start.ArgumentList.Add(socketPath);
        start.ArgumentList.Add(identity.Inode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return System.Diagnostics.Process.Start(start);
    }

    private static string Name(Capability capability) => capability switch
    {
        Capability.NetAdmin => "CAP_NET_ADMIN",
        Capability.NetBindService => "CAP_NET_BIND_SERVICE",
        _ => capability.ToString(),
    };
}
