// rtnetlink (rtnetlink(7), netlink(7)): the sockaddr and message header layouts used to watch link changes.
using System.Runtime.InteropServices;

namespace WgSharp.Tun.Interop;

internal static partial class LibC
{
    internal const int NETLINK_ROUTE = 0;
    internal const uint RTMGRP_LINK = 0x1;

    internal const ushort NLMSG_NOOP = 1;
    internal const ushort NLMSG_ERROR = 2;
    internal const ushort NLMSG_DONE = 3;
    internal const ushort NLMSG_OVERRUN = 4;

    internal const ushort RTM_NEWLINK = 16;
    internal const ushort RTM_DELLINK = 17;

    internal const ushort IFLA_IFNAME = 3;
    internal const ushort IFLA_MTU = 4;

    /// <summary>sizeof(struct nlmsghdr): len u32, type u16, flags u16, seq u32, pid u32.</summary>
    internal const int NlMsgHdrSize = 16;

    /// <summary>sizeof(struct ifinfomsg): family u8, pad u8, type u16, index i32, flags u32, change u32.</summary>
    internal const int IfInfoMsgSize = 16;

    /// <summary>sizeof(struct rtattr): len u16, type u16.</summary>
    internal const int RtAttrSize = 4;

    /// <summary>NLMSG_ALIGN and RTA_ALIGN: netlink parts are aligned to 4 bytes.</summary>
    internal static int NetlinkAlign(int length) => (length + 3) & ~3;

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockAddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }
}
