// One per-peer steering table of a `Routes = when-up` peer, as the state file records it: `up` installed the
// [Rule]s that send to that peer as `lookup <Table>` rules but no route in the table; the daemon
// (WhenUpRouteKeeper) adds `default dev <if> table <Table>` while the peer is live and removes it when not, so
// while the peer is down the rules find nothing there and the kernel goes on to the next rule (fail-over).
using System.Net.Sockets;

namespace WgSharp.Cli.Host;

internal sealed class StateWhenUpSteering
{
    /// <summary>The peer's public key, base64 as `wg` prints it.</summary>
    public string PublicKey { get; set; } = "";

    public AddressFamily Family { get; set; }

    public uint Table { get; set; }
}
