// Which offloads a TUN fd runs with: what TUNSETOFFLOAD accepted after IFF_VNET_HDR (linux/if_tun.h).
namespace WgSharp.Tun.Offload;

[Flags]
internal enum TunOffloads : byte
{
    /// <summary>A plain TUN: one packet per read(2)/write(2), no virtio header.</summary>
    None = 0,

    /// <summary>IFF_VNET_HDR with TUN_F_CSUM|TUN_F_TSO4|TUN_F_TSO6: TCP super-packets both ways.</summary>
    Tcp = 1,

    /// <summary>TUN_F_USO4|TUN_F_USO6 on top (Linux 6.2+): UDP super-packets both ways.</summary>
    Udp = 2,
}
