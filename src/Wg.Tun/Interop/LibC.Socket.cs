// BSD socket calls and their structs: socket(2), bind(2), setsockopt(2), recvmsg/sendmsg(2), recvmmsg/sendmmsg(2),
// sockaddr_in/sockaddr_in6 (ip(7), ipv6(7)), and the IP_PKTINFO / IPV6_PKTINFO control messages (cmsg(3)).
using System.Runtime.InteropServices;

namespace WgSharp.Tun.Interop;

internal static unsafe partial class LibC
{
    internal const int AF_INET = 2;
    internal const int AF_INET6 = 10;
    internal const int AF_NETLINK = 16;

    internal const int SOCK_DGRAM = 2;
    internal const int SOCK_RAW = 3;
    internal const int SOCK_NONBLOCK = 0x800;
    internal const int SOCK_CLOEXEC = 0x80000;

    internal const int SOL_SOCKET = 1;
    internal const int SO_SNDBUF = 7;
    internal const int SO_RCVBUF = 8;
    internal const int SO_SNDBUFFORCE = 32;
    internal const int SO_RCVBUFFORCE = 33;
    internal const int SO_MARK = 36;

    internal const int IPPROTO_IP = 0;
    internal const int IPPROTO_TCP = 6;
    internal const int IPPROTO_UDP = 17;
    internal const int IPPROTO_IPV6 = 41;
    internal const int IP_PKTINFO = 8;
    internal const int IPV6_V6ONLY = 26;
    internal const int IPV6_RECVPKTINFO = 49;
    internal const int IPV6_PKTINFO = 50;

    // udp(7): SOL_UDP is IPPROTO_UDP. UDP_SEGMENT (4.18+) takes a u16 segment size as option or cmsg; UDP_GRO
    // (5.0+) is an int option, and the received cmsg carries the int segment size of a coalesced datagram.
    internal const int SOL_UDP = 17;
    internal const int UDP_SEGMENT = 103;
    internal const int UDP_GRO = 104;

    internal const int MSG_CTRUNC = 0x8;
    internal const int MSG_TRUNC = 0x20;
    internal const int MSG_DONTWAIT = 0x40;

    [LibraryImport(Library, EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);

    [LibraryImport(Library, EntryPoint = "bind", SetLastError = true)]
    internal static partial int Bind(int fd, void* address, uint addressLength);

    [LibraryImport(Library, EntryPoint = "getsockname", SetLastError = true)]
    internal static partial int GetSockName(int fd, void* address, uint* addressLength);

    [LibraryImport(Library, EntryPoint = "setsockopt", SetLastError = true)]
    internal static partial int SetSockOpt(int fd, int level, int name, void* value, uint valueLength);

    [LibraryImport(Library, EntryPoint = "getsockopt", SetLastError = true)]
    internal static partial int GetSockOpt(int fd, int level, int name, void* value, uint* valueLength);

    [LibraryImport(Library, EntryPoint = "recvmsg", SetLastError = true)]
    internal static partial nint RecvMsg(int fd, MsgHdr* message, int flags);

    [LibraryImport(Library, EntryPoint = "sendmsg", SetLastError = true)]
    internal static partial nint SendMsg(int fd, MsgHdr* message, int flags);

    [LibraryImport(Library, EntryPoint = "recvmmsg", SetLastError = true)]
    internal static partial int RecvMMsg(int fd, MMsgHdr* messages, uint count, int flags, void* timeout);

    [LibraryImport(Library, EntryPoint = "sendmmsg", SetLastError = true)]
    internal static partial int SendMMsg(int fd, MMsgHdr* messages, uint count, int flags);

    [LibraryImport(Library, EntryPoint = "recv", SetLastError = true)]
    internal static partial nint Recv(int fd, byte* buffer, nuint length, int flags);

    /// <summary>setsockopt with an int value.</summary>
    internal static int SetSockOptInt(int fd, int level, int name, int value) =>
        SetSockOpt(fd, level, name, &value, sizeof(int));

    [StructLayout(LayoutKind.Sequential)]
    internal struct Iovec
    {
        public byte* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (56 bytes on LP64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public Iovec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr: a msghdr plus the byte count the kernel fills in (64 bytes on LP64).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct CmsgHdr
    {
        public nuint Length;
        public int Level;
        public int Type;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockAddrIn
    {
        public ushort Family;
        public ushort PortBigEndian;
        public fixed byte Address[4];
        public ulong Zero;
    }

    [StructLayout(LayoutKind.Sequential)]
    internal struct SockAddrIn6
    {
        public ushort Family;
        public ushort PortBigEndian;
        public uint FlowInfo;
        public fixed byte Address[16];
        public uint ScopeId;
    }

    /// <summary>struct in_pktinfo (ip(7)): ipi_spec_dst is the local address, ipi_addr the header destination.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct InPktInfo
    {
        public int IfIndex;
        public fixed byte SpecificDestination[4];
        public fixed byte HeaderDestination[4];
    }

    /// <summary>struct in6_pktinfo (ipv6(7)).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct In6PktInfo
    {
        public fixed byte Address[16];
        public int IfIndex;
    }

    /// <summary>CMSG_ALIGN: control message parts are aligned to sizeof(size_t).</summary>
    internal static int CmsgAlign(int length) => (length + 7) & ~7;

    /// <summary>CMSG_LEN: header plus unpadded data.</summary>
    internal static int CmsgLen(int dataLength) => sizeof(CmsgHdr) + dataLength;

    /// <summary>CMSG_SPACE: header plus padded data; the stride between control messages.</summary>
    internal static int CmsgSpace(int dataLength) => sizeof(CmsgHdr) + CmsgAlign(dataLength);
}
