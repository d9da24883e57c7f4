// rtm_protocol / FRA_PROTOCOL: who installed a route or rule (RTPROT_* in linux/rtnetlink.h).
namespace WgSharp.Tun.Netlink;

/// <summary>The well-known values; any byte is valid, and <see cref="IprouteNames"/> prints it as ip does.</summary>
public enum RouteProtocol : byte
{
    Unspecified = 0,
    Redirect = 1,
    Kernel = 2,

    /// <summary>What <c>ip route add</c> and wg-quick use when no protocol is given.</summary>
    Boot = 3,
    Static = 4,
    RouterAdvertisement = 9,
    Dhcp = 16,
}
