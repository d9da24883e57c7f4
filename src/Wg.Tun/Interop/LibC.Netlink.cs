// rtnetlink (rtnetlink(7), netlink(7)): the sockaddr and message header layouts used to watch link changes, and the
// message types, flags and attribute numbers of linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h and fib_rules.h.
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

    // netlink(7) socket options (linux/netlink.h): SOL_NETLINK level.
    internal const int SOL_NETLINK = 270;
    internal const int NETLINK_CAP_ACK = 10;
    internal const int NETLINK_EXT_ACK = 11;

    // nlmsg_flags (linux/netlink.h). The same bits mean different things for GET (ROOT/MATCH) and NEW (REPLACE/EXCL).
    internal const ushort NLM_F_REQUEST = 0x1;
    internal const ushort NLM_F_MULTI = 0x2;
    internal const ushort NLM_F_ACK = 0x4;
    internal const ushort NLM_F_DUMP_INTR = 0x10;
    internal const ushort NLM_F_DUMP = 0x300;
    internal const ushort NLM_F_REPLACE = 0x100;
    internal const ushort NLM_F_EXCL = 0x200;
    internal const ushort NLM_F_CREATE = 0x400;

    // Flags of an NLMSG_ERROR message: the echoed request was cut to its header; TLVs (extended ack) follow it.
    internal const ushort NLM_F_CAPPED = 0x100;
    internal const ushort NLM_F_ACK_TLVS = 0x200;

    // struct nlmsgerr extended-ack attributes (linux/netlink.h).
    internal const ushort NLMSGERR_ATTR_MSG = 1;

    // nlattr type bits that are not part of the type number.
    internal const ushort NLA_TYPE_MASK = 0x3fff;
    internal const ushort NLA_F_NESTED = 0x8000;

    internal const ushort RTM_GETLINK = 18;
    internal const ushort RTM_SETLINK = 19;
    internal const ushort RTM_NEWADDR = 20;
    internal const ushort RTM_DELADDR = 21;
    internal const ushort RTM_GETADDR = 22;
    internal const ushort RTM_NEWROUTE = 24;
    internal const ushort RTM_DELROUTE = 25;
    internal const ushort RTM_GETROUTE = 26;
    internal const ushort RTM_NEWRULE = 32;
    internal const ushort RTM_DELRULE = 33;
    internal const ushort RTM_GETRULE = 34;

    // IFLA_* link attributes (linux/if_link.h) and the IFLA_LINKINFO nest.
    internal const ushort IFLA_LINKINFO = 18;
    internal const ushort IFLA_INFO_KIND = 1;

    /// <summary>sizeof(struct ifaddrmsg): family u8, prefixlen u8, flags u8, scope u8, index u32.</summary>
    internal const int IfAddrMsgSize = 8;

    // IFA_* address attributes and IFA_F_* flags (linux/if_addr.h).
    internal const ushort IFA_ADDRESS = 1;
    internal const ushort IFA_LOCAL = 2;
    internal const ushort IFA_LABEL = 3;
    internal const ushort IFA_FLAGS = 8;

    /// <summary>sizeof(struct rtmsg): family, dst_len, src_len, tos, table, protocol, scope, type (u8 each), flags u32.</summary>
    internal const int RtMsgSize = 12;

    // RTA_* route attributes (linux/rtnetlink.h).
    internal const ushort RTA_DST = 1;
    internal const ushort RTA_SRC = 2;
    internal const ushort RTA_IIF = 3;
    internal const ushort RTA_OIF = 4;
    internal const ushort RTA_GATEWAY = 5;
    internal const ushort RTA_PRIORITY = 6;
    internal const ushort RTA_PREFSRC = 7;
    internal const ushort RTA_METRICS = 8;
    internal const ushort RTA_MULTIPATH = 9;
    internal const ushort RTA_TABLE = 15;
    internal const ushort RTA_MARK = 16;
    internal const ushort RTA_PREF = 20;

    /// <summary>RTAX_MTU inside RTA_METRICS.</summary>
    internal const ushort RTAX_MTU = 2;

    /// <summary>rtm_table value meaning "look at RTA_TABLE" (RT_TABLE_UNSPEC) and the 8-bit stand-in for ids above 255.</summary>
    internal const byte RT_TABLE_UNSPEC = 0;
    internal const byte RT_TABLE_COMPAT = 252;

    /// <summary>rtm_flags of RTM_GETROUTE for one address: report the table the route was found in (Linux 4.5+).</summary>
    internal const uint RTM_F_LOOKUP_TABLE = 0x1000;

    /// <summary>rtm_flags: the entry is a cached clone (route cache / IPv6 exception), not a FIB route.</summary>
    internal const uint RTM_F_CLONED = 0x200;

    /// <summary>sizeof(struct fib_rule_hdr): family, dst_len, src_len, tos, table, res1, res2, action (u8 each), flags u32.</summary>
    internal const int FibRuleHdrSize = 12;

    // FRA_* rule attributes (linux/fib_rules.h).
    internal const ushort FRA_DST = 1;
    internal const ushort FRA_SRC = 2;
    internal const ushort FRA_IIFNAME = 3;
    internal const ushort FRA_GOTO = 4;
    internal const ushort FRA_PRIORITY = 6;
    internal const ushort FRA_FWMARK = 10;
    internal const ushort FRA_SUPPRESS_PREFIXLEN = 14;
    internal const ushort FRA_TABLE = 15;
    internal const ushort FRA_FWMASK = 16;
    internal const ushort FRA_OIFNAME = 17;
    internal const ushort FRA_PROTOCOL = 21;
    internal const ushort FRA_IP_PROTO = 22;
    internal const ushort FRA_SPORT_RANGE = 23;
    internal const ushort FRA_DPORT_RANGE = 24;

    /// <summary>fib_rule_hdr.flags: the selector is negated ("not").</summary>
    internal const uint FIB_RULE_INVERT = 0x2;

    /// <summary>IFF_LOWER_UP from linux/if.h: the driver reports carrier.</summary>
    internal const uint IFF_LOWER_UP = 0x10000;

    /// <summary>open(2) for writing only, used to write /proc/sys values (Netlink/Sysctl.cs).</summary>
    internal const int O_WRONLY = 0x1;

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
