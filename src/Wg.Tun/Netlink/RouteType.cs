// rtm_type: what a route does with a matching packet (RTN_* in linux/rtnetlink.h).
namespace WgSharp.Tun.Netlink;

public enum RouteType : byte
{
    Unspecified = 0,
    Unicast = 1,
    Local = 2,
    Broadcast = 3,
    Anycast = 4,
    Multicast = 5,
    Blackhole = 6,
    Unreachable = 7,
    Prohibit = 8,
    Throw = 9,
    Nat = 10,
    ExternalResolve = 11,
}
