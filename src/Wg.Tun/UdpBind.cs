// WireGuard's kernel UDP transport: an IPv4 and an IPv6-only socket on one port, with sticky sources and marks.
using System.Net.Sockets;
using WgSharp.Tun.Interop;
using WgSharp.Tun.Offload;

namespace WgSharp.Tun;

/// <summary>
/// Two non-blocking UDP sockets bound to the wildcard address on the same port: AF_INET with IP_PKTINFO and
/// AF_INET6 with IPV6_V6ONLY and IPV6_RECVPKTINFO (ip(7), ipv6(7)). Without IPv6 (EAFNOSUPPORT, e.g.
/// ipv6.disable=1) only the IPv4 socket exists.
/// Batches go through recvmmsg/sendmmsg; if the kernel answers ENOSYS or EOPNOTSUPP the bind falls back to
/// recvmsg/sendmsg loops for the rest of the process.
/// Offloads, probed per socket (udp(7)): UDP_SEGMENT (4.18+) sends each run of equal-size datagrams to the
/// endpoint as one GSO message, and UDP_GRO (5.0+) lets the kernel hand over coalesced datagrams, which Receive
/// cuts apart again (through a per-family set of 64 KiB receive buffers). A GSO send the kernel refuses is sent
/// again without it: EIO (no checksum offload on the device) turns GSO off for the bind, EINVAL/EMSGSIZE (a
/// segment larger than the path MTU) for segments of that size and larger.
/// Thread safety: every method may be called from any thread. Receive and Send keep their mmsghdr, iovec,
/// sockaddr and cmsg scratch on the calling thread's stack (about 20 KiB for a 128-datagram receive), so
/// concurrent senders share nothing and need no lock; the intended use is one receiving thread per family and
/// any number of senders. Close wakes receivers blocked in poll(2) through an eventfd.
/// </summary>
public sealed unsafe partial class UdpBind : IUdpBind
{
    /// <summary>Datagrams per recvmmsg/sendmmsg call (wireguard-go's IdealBatchSize).</summary>
    public const int MaxBatchSize = 128;

    /// <summary>Socket buffer size asked for, as wireguard-go does (7 MiB); SO_*BUFFORCE passes rmem_max/wmem_max when privileged.</summary>
    private const int SocketBufferSize = 7 << 20;

    /// <summary>How often a kernel-chosen IPv4 port is retried when IPv6 finds it taken.</summary>
    private const int PortRetries = 16;

    // Process-wide: once the kernel said recvmmsg/sendmmsg does not exist, stop asking.
    private static volatile bool s_recvMMsgUnavailable;
    private static volatile bool s_sendMMsgUnavailable;

    private readonly FileDescriptor _v4;
    private readonly FileDescriptor? _v6;
    private readonly CloseSignal _closeSignal;

    // Receive state of a socket with UDP_GRO on; null when the kernel refused it (or offloads are off).
    private readonly UdpGroBuffer? _v4Gro;
    private readonly UdpGroBuffer? _v6Gro;

    // UDP_SEGMENT usable for sends: probed at Open, cleared for good when a GSO send fails with EIO.
    private volatile bool _gso;

    // Segments of this size or larger are not sent with GSO any more (the kernel refused such a send, typically
    // because one segment exceeds the path MTU); 0 when there has been no such refusal.
    private volatile int _gsoRefusedSize;
    private long _gsoMessages;
    private int _disposed;

    private UdpBind(ushort port, int v4Fd, int v6Fd, CloseSignal closeSignal, bool offloads)
    {
        Port = port;
        _v4 = new FileDescriptor(v4Fd);
        _v6 = v6Fd >= 0 ? new FileDescriptor(v6Fd) : null;
        _closeSignal = closeSignal;
        if (offloads)
        {
            _gso = SupportsSegmentation(v4Fd);
            _v4Gro = EnableGro(v4Fd) ? new UdpGroBuffer() : null;
            _v6Gro = v6Fd >= 0 && EnableGro(v6Fd) ? new UdpGroBuffer() : null;
        }
    }

    public ushort Port { get; }

    public int BatchSize => MaxBatchSize;

    /// <summary>Tests switch this off to exercise the recvmsg/sendmsg path; on by default.</summary>
    internal bool UseMultiMessage { get; set; } = true;

    private bool UseRecvMMsg => UseMultiMessage && !s_recvMMsgUnavailable;

    private bool UseSendMMsg => UseMultiMessage && !s_sendMMsgUnavailable;

    /// <summary>Whether sends currently use UDP_SEGMENT (GSO).</summary>
    internal bool SegmentationOffload => _gso;

    /// <summary>Whether the socket of <paramref name="family"/> has UDP_GRO on.</summary>
    internal bool ReceiveOffload(AddressFamily family) =>
        (family == AddressFamily.InterNetwork ? _v4Gro : family == AddressFamily.InterNetworkV6 ? _v6Gro : null) is not null;

    /// <summary>The segment size from which GSO is no longer tried (0: no refusal seen).</summary>
    internal int GsoRefusedSize => _gsoRefusedSize;

    /// <summary>GSO messages sent (each more than one datagram), for diagnostics and tests.</summary>
    public long GsoMessagesSent => Interlocked.Read(ref _gsoMessages);

    /// <summary>Coalesced (GRO) receives cut apart, over both families.</summary>
    public long GroReceives => (_v4Gro?.Coalesced ?? 0) + (_v6Gro?.Coalesced ?? 0);

    public bool Supports(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => true,
        AddressFamily.InterNetworkV6 => _v6 is not null,
        _ => false,
    };

    /// <summary>
    /// Binds port <paramref name="port"/> (0: the kernel picks one for IPv4 and IPv6 takes the same, retrying
    /// with a new one if it is taken for IPv6). Throws <see cref="UdpBindException"/> with the errno on failure.
    /// </summary>
    public static UdpBind Open(ushort port) => Open(port, OffloadSettings.Enabled);

    /// <summary>As <see cref="Open(ushort)"/>; <paramref name="offloads"/> false never turns on UDP_SEGMENT or UDP_GRO.</summary>
    public static UdpBind Open(ushort port, bool offloads)
    {
        CloseSignal signal = CloseSignal.TryCreate(out int eventErrno)
            ?? throw new UdpBindException($"eventfd failed: {LibC.Describe(eventErrno)}.", eventErrno);
        try
        {
            for (int attempt = 0; ; attempt++)
            {
                int v4 = CreateSocket(LibC.AF_INET, out int errno);
                if (v4 < 0)
                {
                    throw new UdpBindException($"Cannot create an IPv4 UDP socket: {LibC.Describe(errno)}.", errno);
                }
                if (!TryBind(v4, LibC.AF_INET, port, out errno))
                {
                    LibC.Close(v4);
                    throw BindError(port, "IPv4", errno);
                }
                ushort actual = LocalPort(v4);

                int v6 = CreateSocket(LibC.AF_INET6, out errno);
                if (v6 < 0)
                {
                    if (errno == LibC.EAFNOSUPPORT)
                    {
                        return new UdpBind(actual, v4, -1, signal, offloads);
                    }
                    LibC.Close(v4);
                    throw new UdpBindException($"Cannot create an IPv6 UDP socket: {LibC.Describe(errno)}.", errno);
                }
                if (TryBind(v6, LibC.AF_INET6, actual, out errno))
                {
                    return new UdpBind(actual, v4, v6, signal, offloads);
                }
                LibC.Close(v6);
                if (errno is LibC.EAFNOSUPPORT or LibC.EADDRNOTAVAIL)
                {
                    return new UdpBind(actual, v4, -1, signal, offloads);
                }
                LibC.Close(v4);
                if (errno == LibC.EADDRINUSE && port == 0 && attempt < PortRetries)
                {
                    continue;
                }
                throw BindError(actual, "IPv6", errno);
            }
        }
        catch
        {
            signal.Dispose();
            throw;
        }
    }

    /// <summary>Sets SO_MARK on both sockets (socket(7)); routing rules can then match the tunnel's own traffic.</summary>
    public void SetMark(uint mark)
    {
        SetMarkOn(_v4, mark);
        if (_v6 is not null)
        {
            SetMarkOn(_v6, mark);
        }
    }

    public void Close() => Dispose();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _closeSignal.Signal();
        _v4.Dispose();
        _v6?.Dispose();
        _closeSignal.Dispose();
    }

    private static void SetMarkOn(FileDescriptor socket, uint mark)
    {
        if (!socket.TryAcquire(out int fd))
        {
            throw new ObjectDisposedException(nameof(UdpBind));
        }
        try
        {
            if (LibC.SetSockOpt(fd, LibC.SOL_SOCKET, LibC.SO_MARK, &mark, sizeof(uint)) < 0)
            {
                int errno = LibC.LastErrno;
                throw errno is LibC.EPERM or LibC.EACCES
                    ? new UdpBindException(
                        $"Setting the firewall mark (fwmark 0x{mark:x}) needs root or CAP_NET_ADMIN ({LibC.Describe(errno)}).",
                        errno)
                    : new UdpBindException($"Setting SO_MARK failed: {LibC.Describe(errno)}.", errno);
            }
        }
        finally
        {
            socket.Release();
        }
    }

    private static int CreateSocket(int family, out int errno)
    {
        int fd = LibC.Socket(family, LibC.SOCK_DGRAM | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, 0);
        if (fd < 0)
        {
            errno = LibC.LastErrno;
            return -1;
        }
        bool ok = family == LibC.AF_INET
            ? LibC.SetSockOptInt(fd, LibC.IPPROTO_IP, LibC.IP_PKTINFO, 1) == 0
            : LibC.SetSockOptInt(fd, LibC.IPPROTO_IPV6, LibC.IPV6_V6ONLY, 1) == 0
              && LibC.SetSockOptInt(fd, LibC.IPPROTO_IPV6, LibC.IPV6_RECVPKTINFO, 1) == 0;
        if (!ok)
        {
            errno = LibC.LastErrno;
            LibC.Close(fd);
            return -1;
        }
        RaiseBuffer(fd, LibC.SO_RCVBUFFORCE, LibC.SO_RCVBUF);
        RaiseBuffer(fd, LibC.SO_SNDBUFFORCE, LibC.SO_SNDBUF);
        errno = 0;
        return fd;
    }

    // UDP_SEGMENT exists (and GSO can be asked for per message) when the kernel knows the option (4.18+).
    private static bool SupportsSegmentation(int fd)
    {
        int value = 0;
        uint length = sizeof(int);
        return LibC.GetSockOpt(fd, LibC.SOL_UDP, LibC.UDP_SEGMENT, &value, &length) == 0;
    }

    // UDP_GRO (5.0+): from now on a receive may return several same-size datagrams at once, with their size in a cmsg.
    private static bool EnableGro(int fd) => LibC.SetSockOptInt(fd, LibC.SOL_UDP, LibC.UDP_GRO, 1) == 0;

    // The FORCE variant ignores net.core.[rw]mem_max but needs CAP_NET_ADMIN; otherwise the kernel caps the
    // plain option at the sysctl. Either way a smaller buffer only costs throughput, so failures are ignored.
    private static void RaiseBuffer(int fd, int forced, int plain)
    {
        if (LibC.SetSockOptInt(fd, LibC.SOL_SOCKET, forced, SocketBufferSize) != 0)
        {
            LibC.SetSockOptInt(fd, LibC.SOL_SOCKET, plain, SocketBufferSize);
        }
    }

    private static bool TryBind(int fd, int family, ushort port, out int errno)
    {
        int result;
        if (family == LibC.AF_INET)
        {
            var address = new LibC.SockAddrIn { Family = LibC.AF_INET, PortBigEndian = ToNetwork(port) };
            result = LibC.Bind(fd, &address, (uint)sizeof(LibC.SockAddrIn));
        }
        else
        {
            var address = new LibC.SockAddrIn6 { Family = LibC.AF_INET6, PortBigEndian = ToNetwork(port) };
            result = LibC.Bind(fd, &address, (uint)sizeof(LibC.SockAddrIn6));
        }
        errno = result < 0 ? LibC.LastErrno : 0;
        return result == 0;
    }

    private static ushort LocalPort(int fd)
    {
        LibC.SockAddrIn6 address = default;
        uint length = (uint)sizeof(LibC.SockAddrIn6);
        LibC.GetSockName(fd, &address, &length);
        return FromNetwork(address.PortBigEndian);
    }

    private static UdpBindException BindError(ushort port, string family, int errno) => errno switch
    {
        LibC.EADDRINUSE => new UdpBindException(
            $"UDP port {port} is already in use ({family}); choose another ListenPort or stop the program using it.",
            errno),
        LibC.EACCES or LibC.EPERM => new UdpBindException(
            $"Binding UDP port {port} ({family}) was refused ({LibC.Describe(errno)}): ports below 1024 need " +
            "root or CAP_NET_BIND_SERVICE.",
            errno),
        _ => new UdpBindException($"Binding UDP port {port} ({family}) failed: {LibC.Describe(errno)}.", errno),
    };

    private static ushort ToNetwork(ushort value) =>
        BitConverter.IsLittleEndian ? System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(value) : value;

    private static ushort FromNetwork(ushort value) => ToNetwork(value);
}
