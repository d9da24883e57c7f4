// A [Peer] section of a wg(8) configuration file (the subset `wg setconf`/`wg showconf` use).
using System.Net;

namespace WgSharp.Interop.Tests.Harness;

internal sealed record WgConfigPeer(
    string PublicKey,
    string? PresharedKey,
    IPEndPoint? Endpoint,
    IReadOnlyList<IpPrefix> AllowedIps,
    int? PersistentKeepalive);
