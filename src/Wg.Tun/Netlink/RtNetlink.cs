// A request/response client for NETLINK_ROUTE (rtnetlink(7)): links, addresses, routes and policy rules.
using System.Buffers.Binary;
using System.Net.Sockets;
using WgSharp.Tun.Interop;

namespace WgSharp.Tun.Netlink;

/// <summary>
/// One NETLINK_ROUTE socket with its own port id. Each request carries a fresh sequence number and NLM_F_ACK (or
/// NLM_F_DUMP); replies are matched on sequence and port, multipart dumps are read until NLMSG_DONE (and re-run when
/// the kernel flags them NLM_F_DUMP_INTR), and an NLMSG_ERROR becomes a <see cref="NetlinkException"/> carrying the
/// errno, the operation in <c>ip</c> words and the kernel's extended-ack text.
/// The socket belongs to the network namespace of the thread that called <see cref="Open"/> (socket(2) takes
/// current->nsproxy->net_ns), whichever thread uses it afterwards. Calls are serialized by a lock.
/// </summary>
public sealed unsafe partial class RtNetlink : IDisposable
{
    private const int ReceiveBufferSize = 64 * 1024;
    private const int ReplyTimeoutMilliseconds = 10_000;
    private const int DumpAttempts = 5;

    private readonly Lock _lock = new();
    private readonly FileDescriptor _socket;
    private readonly uint _portId;

    // Guarded by _lock.
    private readonly byte[] _receiveBuffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
    private readonly NetlinkMessageBuilder _request = new();
    private uint _sequence;

    private RtNetlink(int fd, uint portId)
    {
        _socket = new FileDescriptor(fd);
        _portId = portId;
        // Any start will do (replies are matched by sequence and port id); a random one keeps two sockets of one
        // process from numbering alike.
        _sequence = (uint)Random.Shared.NextInt64(uint.MaxValue + 1L);
    }

    private delegate void ReplyHandler(ushort type, ReadOnlySpan<byte> payload);

    private delegate T? ReplyParser<T>(ushort type, ReadOnlySpan<byte> payload) where T : class;

    /// <summary>The port id the kernel assigned to this socket (nl_pid).</summary>
    public uint PortId => _portId;

    /// <summary>Opens a socket in the calling thread's network namespace; throws <see cref="NetlinkException"/>.</summary>
    public static RtNetlink Open() =>
        TryOpen(out int errno) ?? throw new NetlinkException("open a NETLINK_ROUTE socket", errno);

    /// <summary>Opens a socket in the calling thread's network namespace; null and the errno when that fails.</summary>
    public static RtNetlink? TryOpen(out int errno)
    {
        int fd = LibC.Socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC | LibC.SOCK_NONBLOCK, LibC.NETLINK_ROUTE);
        if (fd < 0)
        {
            errno = LibC.LastErrno;
            return null;
        }
        var address = new LibC.SockAddrNl { Family = LibC.AF_NETLINK };
        uint addressLength = (uint)sizeof(LibC.SockAddrNl);
        if (LibC.Bind(fd, &address, addressLength) < 0 || LibC.GetSockName(fd, &address, &addressLength) < 0)
        {
            errno = LibC.LastErrno;
            LibC.Close(fd);
            return null;
        }
        // Optional (Linux 4.3 / 4.12): errors do not echo our request back, and carry the kernel's reason as text.
        LibC.SetSockOptInt(fd, LibC.SOL_NETLINK, LibC.NETLINK_CAP_ACK, 1);
        LibC.SetSockOptInt(fd, LibC.SOL_NETLINK, LibC.NETLINK_EXT_ACK, 1);
        errno = 0;
        return new RtNetlink(fd, address.Pid);
    }

    public void Dispose() => _socket.Dispose();

    /// <summary>AF_INET / AF_INET6 for the two families this client handles; misuse otherwise.</summary>
    private static byte NativeFamily(AddressFamily family)
    {
        switch (family)
        {
            case AddressFamily.InterNetwork:
                return LibC.AF_INET;
            case AddressFamily.InterNetworkV6:
                return LibC.AF_INET6;
            case AddressFamily.Unspecified:
                return 0;
            default:
                ThrowHelper.ThrowArgument("Only IPv4 and IPv6 are handled.", nameof(family));
                return 0;
        }
    }

    /// <summary>"-4 " or "-6 " for operation descriptions.</summary>
    private static string FamilyOption(AddressFamily family) => family switch
    {
        AddressFamily.InterNetwork => "-4 ",
        AddressFamily.InterNetworkV6 => "-6 ",
        _ => "",
    };

    /// <summary>Runs a dump request (the builder holds only the header) and parses every reply; retries torn dumps.</summary>
    private List<T> Dump<T>(string operation, ushort type, int headerLength, byte family, ReplyParser<T> parse)
        where T : class
    {
        var results = new List<T>();
        for (int attempt = 0; attempt < DumpAttempts; attempt++)
        {
            results.Clear();
            _request.Begin(type, LibC.NLM_F_REQUEST | LibC.NLM_F_DUMP, headerLength);
            _request.Header[0] = family;
            bool interrupted = Execute(operation, (replyType, payload) =>
            {
                if (parse(replyType, payload) is { } item)
                {
                    results.Add(item);
                }
            });
            if (!interrupted)
            {
                return results;
            }
        }
        throw new NetlinkException(operation, LibC.EINTR, "the table kept changing during every dump attempt");
    }

    /// <summary>
    /// Sends the request in the builder and reads replies until its acknowledgement (or NLMSG_DONE for a dump),
    /// handing every other reply to <paramref name="onReply"/>. Returns whether the dump was interrupted by a change
    /// (NLM_F_DUMP_INTR), in which case its content may be inconsistent. Call with <see cref="_lock"/> held.
    /// </summary>
    private bool Execute(string operation, ReplyHandler? onReply)
    {
        uint sequence = unchecked(++_sequence);
        _request.Finish(sequence, _portId);
        if (!_socket.TryAcquire(out int fd))
        {
            throw new ObjectDisposedException(nameof(RtNetlink));
        }
        try
        {
            Send(fd, operation);
            bool interrupted = false;
            while (true)
            {
                int received = Receive(fd, operation);
                ReadOnlySpan<byte> data = _receiveBuffer.AsSpan(0, received);
                while (data.Length >= LibC.NlMsgHdrSize)
                {
                    int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
                    if (length < LibC.NlMsgHdrSize || length > data.Length)
                    {
                        break;
                    }
                    ushort type = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(data[6..]);
                    uint replySequence = BinaryPrimitives.ReadUInt32LittleEndian(data[8..]);
                    uint replyPort = BinaryPrimitives.ReadUInt32LittleEndian(data[12..]);
                    ReadOnlySpan<byte> payload = data[LibC.NlMsgHdrSize..length];
                    int advance = LibC.NetlinkAlign(length);
                    data = advance >= data.Length ? default : data[advance..];

                    // A late answer to an earlier request that timed out: not ours to interpret.
                    if (replySequence != sequence || replyPort != _portId)
                    {
                        continue;
                    }
                    if ((flags & LibC.NLM_F_DUMP_INTR) != 0)
                    {
                        interrupted = true;
                    }
                    switch (type)
                    {
                        case LibC.NLMSG_NOOP:
                            break;
                        case LibC.NLMSG_ERROR:
                            int error = payload.Length >= 4 ? -BinaryPrimitives.ReadInt32LittleEndian(payload) : LibC.EIO;
                            if (error == 0)
                            {
                                return interrupted;
                            }
                            throw new NetlinkException(operation, error, ExtendedAckMessage(flags, payload));
                        case LibC.NLMSG_DONE:
                            // Since Linux 4.x a failed dump ends with NLMSG_DONE carrying the negative errno.
                            int status = payload.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(payload) : 0;
                            if (status < 0)
                            {
                                throw new NetlinkException(operation, -status);
                            }
                            return interrupted;
                        case LibC.NLMSG_OVERRUN:
                            throw new NetlinkException(operation, LibC.ENOBUFS, "netlink overrun");
                        default:
                            onReply?.Invoke(type, payload);
                            break;
                    }
                }
            }
        }
        finally
        {
            _socket.Release();
        }
    }

    private void Send(int fd, string operation)
    {
        ReadOnlySpan<byte> message = _request.Message;
        fixed (byte* p = message)
        {
            while (true)
            {
                nint sent = LibC.Write(fd, p, (nuint)message.Length);
                if (sent == message.Length)
                {
                    return;
                }
                int errno = sent < 0 ? LibC.LastErrno : LibC.EMSGSIZE;
                if (errno == LibC.EINTR)
                {
                    continue;
                }
                if (errno == LibC.EAGAIN)
                {
                    Wait(fd, LibC.POLLOUT, operation);
                    continue;
                }
                throw new NetlinkException(operation, errno);
            }
        }
    }

    /// <summary>Waits for and reads one datagram into the receive buffer; returns its length.</summary>
    private int Receive(int fd, string operation)
    {
        fixed (byte* p = _receiveBuffer)
        {
            while (true)
            {
                // MSG_TRUNC makes recv report the full datagram length, so a too-small buffer cannot go unnoticed.
                nint received = LibC.Recv(fd, p, (nuint)_receiveBuffer.Length, LibC.MSG_DONTWAIT | LibC.MSG_TRUNC);
                if (received >= 0)
                {
                    if (received > _receiveBuffer.Length)
                    {
                        throw new NetlinkException(operation, LibC.EMSGSIZE, $"a {received}-byte reply exceeded the receive buffer");
                    }
                    return (int)received;
                }
                int errno = LibC.LastErrno;
                if (errno == LibC.EINTR)
                {
                    continue;
                }
                if (errno == LibC.EAGAIN)
                {
                    Wait(fd, LibC.POLLIN, operation);
                    continue;
                }
                throw new NetlinkException(operation, errno);
            }
        }
    }

    private static void Wait(int fd, short events, string operation)
    {
        var poll = new LibC.PollFd { Fd = fd, Events = events };
        while (true)
        {
            int ready = LibC.Poll(&poll, 1, ReplyTimeoutMilliseconds);
            if (ready > 0)
            {
                return;
            }
            if (ready == 0)
            {
                throw new NetlinkException(operation, LibC.ETIMEDOUT, "no answer from the kernel");
            }
            int errno = LibC.LastErrno;
            if (errno != LibC.EINTR)
            {
                throw new NetlinkException(operation, errno);
            }
        }
    }

    /// <summary>
    /// The NLMSGERR_ATTR_MSG text of an error (netlink(7), "extended ACK"): after the errno comes the request's
    /// header (only the header when NLM_F_CAPPED), then attributes when NLM_F_ACK_TLVS is set.
    /// </summary>
    internal static string? ExtendedAckMessage(ushort flags, ReadOnlySpan<byte> payload)
    {
        if ((flags & LibC.NLM_F_ACK_TLVS) == 0 || payload.Length < 4 + LibC.NlMsgHdrSize)
        {
            return null;
        }
        int echoed = (flags & LibC.NLM_F_CAPPED) != 0
            ? LibC.NlMsgHdrSize
            : LibC.NetlinkAlign((int)BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]));
        if (echoed < LibC.NlMsgHdrSize || 4 + echoed > payload.Length)
        {
            return null;
        }
        foreach (NetlinkAttribute attribute in new NetlinkAttributeReader(payload[(4 + echoed)..]))
        {
            if (attribute.Type == LibC.NLMSGERR_ATTR_MSG)
            {
                return attribute.String;
            }
        }
        return null;
    }
}
