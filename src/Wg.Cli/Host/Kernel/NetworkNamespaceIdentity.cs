// Which network namespace this process is in: the inode of /proc/self/ns/net (namespaces(7)). State
// files live in /run, which every namespace shares, while routes, rules and sysctls belong to one.
using WgSharp.Cli.Interop;

namespace WgSharp.Cli.Host;

internal static class NetworkNamespaceIdentity
{
    /// <summary>The inode of the current network namespace; 0 when /proc cannot tell.</summary>
    public static ulong Current() =>
        Libc.TryStat(Libc.AtFdCwd, "/proc/self/ns/net", 0, out Libc.FileIdentity identity) ? identity.Inode : 0;
}
