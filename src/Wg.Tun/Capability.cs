// The Linux capabilities a WireGuard daemon may keep after it stops being root (linux/capability.h numbers).
namespace WgSharp.Tun;

public enum Capability
{
    /// <summary>CAP_NET_BIND_SERVICE: binding a UDP port below 1024.</summary>
    NetBindService = 10,

    /// <summary>CAP_NET_ADMIN: routes, rules and links over rtnetlink, SO_MARK.</summary>
    NetAdmin = 12,
}
