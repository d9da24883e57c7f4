// One allowed_ip line of a set transaction: add a prefix to the peer, or remove it
// (`allowed_ip=-10.0.0.0/24`, the removal syntax of newer wireguard-tools and wireguard-go).
using System.Net;
using WgSharp.Tun.Net;

namespace WgSharp.Router.Configuration;

/// <param name="Network">The prefix, already canonical (host bits cleared, see <see cref="NetworkPrefix"/>).</param>
/// <param name="Remove">True to remove the prefix from this peer; a prefix that belongs to another peer
/// or to none is left alone.</param>
public readonly record struct AllowedIpChange(IPNetwork Network, bool Remove);
