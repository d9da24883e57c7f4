// rtm_scope / ifa_scope: how far a route or address is valid (RT_SCOPE_* in linux/rtnetlink.h).
namespace WgSharp.Tun.Netlink;

public enum RouteScope : byte
{
    /// <summary>"global" in ip output.</summary>
    Universe = 0,
    Site = 200,
    Link = 253,
    Host = 254,
    Nowhere = 255,
}
