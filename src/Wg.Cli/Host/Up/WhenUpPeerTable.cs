// The steering table of one `Routes = when-up` peer: `up` adds the [Rule]s that send to the peer as rules
// looking this table up, and no route in it; the daemon adds its default route while the peer is live.
using WgSharp.Noise.Keys;

namespace WgSharp.Cli.Host;

internal sealed record WhenUpPeerTable(PublicKey PublicKey, string PeerName, uint Table);
