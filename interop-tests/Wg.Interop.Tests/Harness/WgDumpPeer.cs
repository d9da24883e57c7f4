// One peer line of `wg show <if> dump` (wg(8): public-key, preshared-key, endpoint, allowed-ips,
// latest-handshake, transfer-rx, transfer-tx, persistent-keepalive; tab-separated).
using System.Net;

namespace WgSharp.Interop.Tests.Harness;

internal sealed record WgDumpPeer(
    string PublicKey,
    string? PresharedKey,
    IPEndPoint? Endpoint,
    IReadOnlyList<IpPrefix> AllowedIps,
    long LatestHandshakeUnixSeconds,
    long RxBytes,
    long TxBytes,
    int? PersistentKeepalive)
{
    public DateTimeOffset? LatestHandshake =>
        LatestHandshakeUnixSeconds == 0 ? null : DateTimeOffset.FromUnixTimeSeconds(LatestHandshakeUnixSeconds);
}
