// What the daemon's endpoint route keeper changed outside the interface, as it records it in its own directory
// (/run/wgsharp/<ifname>.daemon/routes, the daemon user's): host routes it added, and endpoint host routes of `up`
// it removed. Routes through the interface need no record: they vanish with the link. `down` reads the file as data
// from an untrusted writer (DaemonFiles.ReadRecords) and removes only the host routes outside the interface it lists.
namespace WgSharp.Cli.Host;

internal sealed class DaemonRouteRecords
{
    /// <summary>Endpoint host routes the daemon added and has not removed, each recorded before it was created.</summary>
    public List<StateRoute> Added { get; set; } = [];

    /// <summary>Endpoint host routes `up` added that the daemon removed (no peer used them any more).</summary>
    public List<StateRoute> Removed { get; set; } = [];
}
