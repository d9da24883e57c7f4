// UdpBind receive path: recvmmsg (or a recvmsg loop) into pinned caller buffers, sender and PKTINFO per datagram.
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using WgSharp.Tun.Interop;
using WgSharp.Tun.Offload;

namespace WgSharp.Tun;

public sealed unsafe partial class UdpBind
{
    /// <summary>Control space per datagram: in6_pktinfo needs CMSG_SPACE(20) = 40, a UDP_GRO int CMSG_SPACE(4) = 24.</summary>
    private const int ReceiveControlSize = 64;

    public int Receive(AddressFamily family, byte[][] buffers, int[] sizes, UdpEndpoint[] endpoints, int offset)
    {
        FileDescriptor socket = SocketFor(family);
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentNullException.ThrowIfNull(sizes);
        ArgumentNullException.ThrowIfNull(endpoints);
        int count = Math.Min(buffers.Length, MaxBatchSize);
        if (count == 0 || sizes.Length < count || endpoints.Length < count)
        {
            ThrowHelper.ThrowArgument("Need at least one buffer and as many sizes and endpoints.", nameof(buffers));
        }
        if (offset < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(offset), "offset must not be negative.");
        }
        for (int i = 0; i < count; i++)
        {
            if (buffers[i] is null || buffers[i].Length <= offset)
            {
                ThrowHelper.ThrowArgument($"buffers[{i}] has no room past offset {offset}.", nameof(buffers));
            }
        }

        if (!socket.TryAcquire(out int fd))
        {
            return 0;
        }
        try
        {
            bool v6 = family == AddressFamily.InterNetworkV6;
            UdpGroBuffer? gro = v6 ? _v6Gro : _v4Gro;
            if (gro is not null)
            {
                lock (gro.Sync)
                {
                    return ReceiveCoalesced(fd, v6, gro, buffers, sizes, endpoints, count, offset);
                }
            }
            while (true)
            {
                int received = ReceiveBatch(fd, v6, buffers, sizes, endpoints, null, count, offset, out int errno);
                if (received > 0)
                {
                    return received;
                }
                if (received == 0 && errno == 0)
                {
                    continue; // every datagram was truncated and dropped: keep waiting for real ones
                }
                if (!WaitAfterReceiveError(fd, errno))
                {
                    return 0;
                }
            }
        }
        finally
        {
            socket.Release();
        }
    }

    /// <summary>
    /// With UDP_GRO: hands out what is pending from earlier receives first, then receives into the bind's 64 KiB
    /// buffers while the caller has room and datagrams are ready, cutting coalesced messages apart.
    /// </summary>
    private int ReceiveCoalesced(int fd, bool v6, UdpGroBuffer gro, byte[][] buffers, int[] sizes, UdpEndpoint[] endpoints,
        int count, int offset)
    {
        gro.EnsureAllocated();
        long dropped = 0;
        int filled = gro.Drain(buffers, sizes, endpoints, offset, 0, count, ref dropped);
        if (gro.HasPending)
        {
            return filled; // receiving now would overwrite what is still pending
        }
        while (filled < count)
        {
            int received = ReceiveBatch(fd, v6, gro.Messages, gro.Lengths, gro.Endpoints, gro.SegmentSizes,
                UdpGroBuffer.MessageCount, 0, out int errno);
            if (received > 0)
            {
                gro.Load(received);
                filled = gro.Drain(buffers, sizes, endpoints, offset, filled, count, ref dropped);
                if (gro.HasPending)
                {
                    break; // what did not fit opens the next batch
                }
                continue;
            }
            if (received == 0 && errno == 0)
            {
                continue;
            }
            if (filled > 0)
            {
                break; // datagrams in hand go out first; an error comes back on the next call
            }
            if (!WaitAfterReceiveError(fd, errno))
            {
                return 0;
            }
        }
        return filled;
    }

    /// <summary>After a receive that got nothing: waits when the socket is just empty (false once closed), shrugs off
    /// transient errors, throws on the rest.</summary>
    private bool WaitAfterReceiveError(int fd, int errno)
    {
        switch (errno)
        {
            case LibC.EINTR:
                return true;
            case LibC.EAGAIN:
                return _closeSignal.Wait(fd, LibC.POLLIN);
            // Transient conditions (queued ICMP errors, memory pressure) must not end the receive loop.
            case LibC.ECONNREFUSED or LibC.EHOSTUNREACH or LibC.ENETUNREACH or LibC.ENOMEM or LibC.ENOBUFS:
                return true;
            default:
                throw new UdpBindException($"Receiving UDP failed: {LibC.Describe(errno)}.", errno);
        }
    }

    /// <summary>Number of datagrams kept (0 with errno 0 if all were dropped), or -1 with errno.</summary>
    [SkipLocalsInit]
    private int ReceiveBatch(int fd, bool v6, byte[][] buffers, int[] sizes, UdpEndpoint[] endpoints, int[]? segmentSizes,
        int count, int offset, out int errno)
    {
        LibC.MMsgHdr* messages = stackalloc LibC.MMsgHdr[count];
        LibC.Iovec* iov = stackalloc LibC.Iovec[count];
        LibC.SockAddrIn6* names = stackalloc LibC.SockAddrIn6[count];
        byte* control = stackalloc byte[count * ReceiveControlSize];
        for (int i = 0; i < count; i++)
        {
            iov[i].Length = (nuint)(buffers[i].Length - offset);
            ResetReceiveHeader(&messages[i], &names[i], &iov[i], control + i * ReceiveControlSize);
        }

        int received;
        if (UseRecvMMsg)
        {
            var operation = new RecvMMsgOperation { Fd = fd, Messages = messages, Count = count };
            received = BufferPinning.Run(buffers, 0, count, offset, iov, ref operation);
            errno = operation.Errno;
            if (received < 0 && errno is LibC.ENOSYS or LibC.EOPNOTSUPP)
            {
                s_recvMMsgUnavailable = true;
                return ReceiveBatch(fd, v6, buffers, sizes, endpoints, segmentSizes, count, offset, out errno);
            }
        }
        else
        {
            var operation = new RecvMsgLoopOperation { Fd = fd, Messages = messages, Count = count };
            received = BufferPinning.Run(buffers, 0, count, offset, iov, ref operation);
            errno = operation.Errno;
        }
        if (received <= 0)
        {
            return -1;
        }
        errno = 0;

        int kept = 0;
        for (int i = 0; i < received; i++)
        {
            LibC.MsgHdr* header = &messages[i].Header;
            if ((header->Flags & LibC.MSG_TRUNC) != 0)
            {
                continue; // larger than the caller's buffer: a partial datagram is useless
            }
            if (kept != i)
            {
                (buffers[kept], buffers[i]) = (buffers[i], buffers[kept]);
            }
            sizes[kept] = (int)messages[i].Length;
            endpoints[kept] = ParseEndpoint(v6, &names[i], (byte*)header->Control, (int)header->ControlLength,
                out int segmentSize);
            if (segmentSizes is not null)
            {
                segmentSizes[kept] = segmentSize;
            }
            kept++;
        }
        return kept;
    }

    private static void ResetReceiveHeader(LibC.MMsgHdr* message, LibC.SockAddrIn6* name, LibC.Iovec* iov, byte* control)
    {
        message->Header.Name = name;
        message->Header.NameLength = (uint)sizeof(LibC.SockAddrIn6);
        message->Header.Iov = iov;
        message->Header.IovLength = 1;
        message->Header.Control = control;
        message->Header.ControlLength = ReceiveControlSize;
        message->Header.Flags = 0;
        message->Length = 0;
    }

    /// <summary>
    /// The sender from msg_name, with our local address and ifindex from IP(V6)_PKTINFO as its sticky source; and the
    /// segment size of a coalesced receive from a UDP_GRO cmsg (0 when there is none: one datagram).
    /// </summary>
    private static UdpEndpoint ParseEndpoint(bool v6, LibC.SockAddrIn6* name, byte* control, int controlLength,
        out int segmentSize)
    {
        segmentSize = 0;
        UdpEndpoint endpoint;
        if (v6)
        {
            endpoint = UdpEndpoint.FromIPv6(new ReadOnlySpan<byte>(name->Address, 16), FromNetwork(name->PortBigEndian),
                name->ScopeId);
        }
        else
        {
            var v4 = (LibC.SockAddrIn*)name;
            endpoint = UdpEndpoint.FromIPv4(new ReadOnlySpan<byte>(v4->Address, 4), FromNetwork(v4->PortBigEndian));
        }

        UdpEndpoint source = endpoint;
        int position = 0;
        while (position + sizeof(LibC.CmsgHdr) <= controlLength)
        {
            var cmsg = (LibC.CmsgHdr*)(control + position);
            int length = (int)cmsg->Length;
            if (length < sizeof(LibC.CmsgHdr) || position + length > controlLength)
            {
                break;
            }
            byte* data = control + position + sizeof(LibC.CmsgHdr);
            if (!v6 && cmsg->Level == LibC.IPPROTO_IP && cmsg->Type == LibC.IP_PKTINFO
                && length >= LibC.CmsgLen(sizeof(LibC.InPktInfo)))
            {
                var info = (LibC.InPktInfo*)data;
                source = endpoint.WithSource(new ReadOnlySpan<byte>(info->SpecificDestination, 4), info->IfIndex);
            }
            else if (v6 && cmsg->Level == LibC.IPPROTO_IPV6 && cmsg->Type == LibC.IPV6_PKTINFO
                && length >= LibC.CmsgLen(sizeof(LibC.In6PktInfo)))
            {
                var info = (LibC.In6PktInfo*)data;
                source = endpoint.WithSource(new ReadOnlySpan<byte>(info->Address, 16), info->IfIndex);
            }
            else if (cmsg->Level == LibC.SOL_UDP && cmsg->Type == LibC.UDP_GRO && length >= LibC.CmsgLen(sizeof(int)))
            {
                segmentSize = Math.Max(0, *(int*)data);
            }
            position += LibC.CmsgAlign(length);
        }
        return source;
    }

    private FileDescriptor SocketFor(AddressFamily family)
    {
        FileDescriptor? socket = family switch
        {
            AddressFamily.InterNetwork => _v4,
            AddressFamily.InterNetworkV6 => _v6,
            _ => null,
        };
        if (socket is null)
        {
            ThrowHelper.ThrowArgument($"This bind has no {family} socket; check Supports first.", nameof(family));
        }
        return socket;
    }

    private struct RecvMMsgOperation : BufferPinning.IOperation
    {
        public int Fd;
        public LibC.MMsgHdr* Messages;
        public int Count;
        public int Errno;

        public int Run()
        {
            int result = LibC.RecvMMsg(Fd, Messages, (uint)Count, LibC.MSG_DONTWAIT, null);
            Errno = result < 0 ? LibC.LastErrno : 0;
            return result;
        }
    }

    private struct RecvMsgLoopOperation : BufferPinning.IOperation
    {
        public int Fd;
        public LibC.MMsgHdr* Messages;
        public int Count;
        public int Errno;

        public int Run()
        {
            int received = 0;
            while (received < Count)
            {
                nint length = LibC.RecvMsg(Fd, &Messages[received].Header, LibC.MSG_DONTWAIT);
                if (length < 0)
                {
                    Errno = LibC.LastErrno;
                    break;
                }
                Messages[received++].Length = (uint)length;
            }
            return received > 0 ? received : -1;
        }
    }
}
