// UdpBind send path: sendmmsg (or a sendmsg loop) of a batch to one endpoint, from its sticky source via PKTINFO,
// runs of equal-size datagrams as one UDP GSO message each when the kernel offers UDP_SEGMENT.
using System.Runtime.CompilerServices;
using WgSharp.Tun.Interop;
using WgSharp.Tun.Offload;

namespace WgSharp.Tun;

public sealed unsafe partial class UdpBind
{
    /// <summary>One cmsg carrying in_pktinfo (CMSG_SPACE(12) = 32) or in6_pktinfo (CMSG_SPACE(20) = 40).</summary>
    private const int PktInfoSpace = 40;

    /// <summary>CMSG_SPACE(sizeof(u16)) for UDP_SEGMENT.</summary>
    private const int SegmentCmsgSpace = 24;

    /// <summary>Control space per message: the sticky source and a segment size.</summary>
    private const int SendControlSize = PktInfoSpace + SegmentCmsgSpace;

    public UdpSendResult Send(byte[][] buffers, int[] sizes, int count, int offset, ref UdpEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(buffers);
        ArgumentNullException.ThrowIfNull(sizes);
        if ((uint)count > (uint)buffers.Length || sizes.Length < count)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(count), $"count {count} exceeds the buffers or sizes given.");
        }
        if (offset < 0)
        {
            ThrowHelper.ThrowArgumentOutOfRange(nameof(offset), "offset must not be negative.");
        }
        if (endpoint.IsEmpty)
        {
            ThrowHelper.ThrowArgument("Cannot send to the empty endpoint.", nameof(endpoint));
        }
        for (int i = 0; i < count; i++)
        {
            if (buffers[i] is null || sizes[i] < 0 || sizes[i] > buffers[i].Length - offset)
            {
                ThrowHelper.ThrowArgument($"sizes[{i}] does not fit buffers[{i}] past offset {offset}.", nameof(sizes));
            }
        }
        if (count == 0)
        {
            return new UdpSendResult(0, 0);
        }

        // An IPv4-mapped IPv6 peer can only be reached through the IPv4 socket: the IPv6 one is V6ONLY.
        bool viaV4 = endpoint.Family == System.Net.Sockets.AddressFamily.InterNetwork || endpoint.IsIPv4MappedIPv6;
        FileDescriptor? socket = viaV4 ? _v4 : _v6;
        if (socket is null)
        {
            return new UdpSendResult(0, LibC.EAFNOSUPPORT);
        }
        if (!socket.TryAcquire(out int fd))
        {
            return new UdpSendResult(0, LibC.EBADF);
        }
        try
        {
            return SendTo(fd, viaV4, buffers, sizes, count, offset, ref endpoint);
        }
        finally
        {
            socket.Release();
        }
    }

    [SkipLocalsInit]
    private UdpSendResult SendTo(int fd, bool viaV4, byte[][] buffers, int[] sizes, int count, int offset,
        ref UdpEndpoint endpoint)
    {
        LibC.SockAddrIn6 name;
        uint nameLength = WriteSockAddr(endpoint, viaV4, &name);
        byte* pktInfo = stackalloc byte[PktInfoSpace];
        int pktInfoLength = endpoint.IsIPv4MappedIPv6 ? 0 : WritePktInfo(endpoint, pktInfo);

        int batch = Math.Min(count, MaxBatchSize);
        LibC.MMsgHdr* messages = stackalloc LibC.MMsgHdr[batch];
        LibC.Iovec* iov = stackalloc LibC.Iovec[batch];
        byte* control = stackalloc byte[batch * SendControlSize];
        int* segments = stackalloc int[batch];

        bool gso = _gso && count > 1;
        int maxPayload = viaV4 ? UdpGsoRuns.MaxPayloadV4 : UdpGsoRuns.MaxPayloadV6;
        int next = 0; // index of the next datagram to try
        int sent = 0;
        int firstError = 0;
        bool sourceRetried = false;
        int refusedCandidate = 0; // segment size of a GSO send just refused, confirmed once the plain resend works
        while (next < count)
        {
            // Datagrams [next, end) are pinned for this call, grouped into messages of one datagram or one GSO run.
            int end = Math.Min(count, next + batch);
            int messageCount = 0;
            for (int i = next; i < end;)
            {
                int run = gso ? UdpGsoRuns.Length(sizes, i, end, UdpGsoRuns.MaxSegments, maxPayload, _gsoRefusedSize) : 1;
                for (int k = 0; k < run; k++)
                {
                    iov[i - next + k].Length = (nuint)sizes[i + k];
                }
                byte* messageControl = control + messageCount * SendControlSize;
                int controlLength = 0;
                if (pktInfoLength > 0)
                {
                    new ReadOnlySpan<byte>(pktInfo, pktInfoLength).CopyTo(new Span<byte>(messageControl, pktInfoLength));
                    controlLength = pktInfoLength;
                }
                if (run > 1)
                {
                    controlLength += WriteSegmentSize(messageControl + controlLength, (ushort)sizes[i]);
                }
                LibC.MsgHdr* header = &messages[messageCount].Header;
                header->Name = &name;
                header->NameLength = nameLength;
                header->Iov = &iov[i - next];
                header->IovLength = (nuint)run;
                header->Control = controlLength > 0 ? messageControl : null;
                header->ControlLength = (nuint)controlLength;
                header->Flags = 0;
                messages[messageCount].Length = 0;
                segments[messageCount++] = run;
                i += run;
            }

            int result;
            int errno;
            if (UseSendMMsg)
            {
                var operation = new SendMMsgOperation { Fd = fd, Messages = messages, Count = messageCount };
                result = BufferPinning.Run(buffers, next, end, offset, iov, ref operation);
                errno = operation.Errno;
                if (result < 0 && errno is LibC.ENOSYS or LibC.EOPNOTSUPP)
                {
                    s_sendMMsgUnavailable = true;
                    continue;
                }
            }
            else
            {
                var operation = new SendMsgLoopOperation { Fd = fd, Messages = messages, Count = messageCount };
                result = BufferPinning.Run(buffers, next, end, offset, iov, ref operation);
                errno = operation.Errno;
            }

            if (result > 0)
            {
                int datagrams = 0;
                for (int m = 0; m < result; m++)
                {
                    datagrams += segments[m];
                    if (segments[m] > 1)
                    {
                        Interlocked.Increment(ref _gsoMessages);
                    }
                }
                sent += datagrams;
                next += datagrams;
                if (refusedCandidate > 0)
                {
                    int refused = _gsoRefusedSize;
                    _gsoRefusedSize = refused == 0 ? refusedCandidate : Math.Min(refused, refusedCandidate);
                    refusedCandidate = 0;
                }
                continue;
            }
            if (errno == LibC.EINTR)
            {
                continue;
            }
            if (errno == LibC.EAGAIN)
            {
                if (!_closeSignal.Wait(fd, LibC.POLLOUT))
                {
                    return new UdpSendResult(sent, LibC.EBADF);
                }
                continue;
            }
            if (segments[0] > 1)
            {
                // The kernel refused a GSO message: send the same datagrams again one by one. EIO means the device
                // cannot checksum for us, a hard requirement of UDP_SEGMENT (udp(7)): no GSO on this bind any more.
                // EINVAL or EMSGSIZE usually mean a segment exceeds the path MTU; if the plain resend then works,
                // segments that large are not offered to GSO again.
                if (errno == LibC.EIO)
                {
                    _gso = false;
                }
                else if (errno is LibC.EINVAL or LibC.EMSGSIZE)
                {
                    refusedCandidate = sizes[next];
                }
                gso = false;
                continue;
            }
            refusedCandidate = 0; // the plain send fails too: GSO was not the problem
            switch (errno)
            {
                // The sticky source may have gone away: a removed IPv6 address gives EINVAL
                // (ip6_datagram_send_ctl), a removed IPv4 address ENETUNREACH on current kernels (EINVAL on old
                // ones, __ip_route_output_key_hash), a vanished interface ENODEV. Forget the source and let the
                // kernel choose, once, as wireguard-go does on EINVAL. If the route itself is the problem the
                // retry fails the same way and the source is simply learned again from the next reply.
                case LibC.EINVAL or LibC.ENETUNREACH or LibC.ENODEV when pktInfoLength > 0 && !sourceRetried:
                    endpoint = endpoint.WithoutSource();
                    pktInfoLength = 0;
                    sourceRetried = true;
                    gso = _gso && count - next > 1;
                    continue;
                // Only this datagram is too big (path MTU, oversize): skip it, send the rest.
                case LibC.EMSGSIZE:
                    if (firstError == 0)
                    {
                        firstError = errno;
                    }
                    next++;
                    continue;
                default:
                    return new UdpSendResult(sent, errno);
            }
        }
        return new UdpSendResult(sent, firstError);
    }

    /// <summary>Writes a UDP_SEGMENT cmsg carrying the u16 segment size (udp(7)); returns its space.</summary>
    private static int WriteSegmentSize(byte* control, ushort segmentSize)
    {
        new Span<byte>(control, SegmentCmsgSpace).Clear();
        var cmsg = (LibC.CmsgHdr*)control;
        cmsg->Level = LibC.SOL_UDP;
        cmsg->Type = LibC.UDP_SEGMENT;
        cmsg->Length = (nuint)LibC.CmsgLen(sizeof(ushort));
        *(ushort*)(control + sizeof(LibC.CmsgHdr)) = segmentSize;
        return SegmentCmsgSpace;
    }

    private static uint WriteSockAddr(in UdpEndpoint endpoint, bool viaV4, LibC.SockAddrIn6* name)
    {
        Span<byte> address = stackalloc byte[16];
        endpoint.CopyAddressTo(address);
        if (viaV4)
        {
            var v4 = (LibC.SockAddrIn*)name;
            *v4 = default;
            v4->Family = LibC.AF_INET;
            v4->PortBigEndian = ToNetwork(endpoint.Port);
            // A mapped ::ffff:a.b.c.d keeps the IPv4 address in its last four bytes.
            address.Slice(endpoint.IsIPv4MappedIPv6 ? 12 : 0, 4).CopyTo(new Span<byte>(v4->Address, 4));
            return (uint)sizeof(LibC.SockAddrIn);
        }
        *name = default;
        name->Family = LibC.AF_INET6;
        name->PortBigEndian = ToNetwork(endpoint.Port);
        name->ScopeId = endpoint.ScopeId;
        address.CopyTo(new Span<byte>(name->Address, 16));
        return (uint)sizeof(LibC.SockAddrIn6);
    }

    /// <summary>Writes IP_PKTINFO / IPV6_PKTINFO with the sticky source and ifindex; returns its space, 0 if none.</summary>
    private static int WritePktInfo(in UdpEndpoint endpoint, byte* control)
    {
        if (!endpoint.HasSource)
        {
            return 0;
        }
        new Span<byte>(control, PktInfoSpace).Clear();
        var cmsg = (LibC.CmsgHdr*)control;
        byte* data = control + sizeof(LibC.CmsgHdr);
        if (endpoint.Family == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            cmsg->Level = LibC.IPPROTO_IP;
            cmsg->Type = LibC.IP_PKTINFO;
            cmsg->Length = (nuint)LibC.CmsgLen(sizeof(LibC.InPktInfo));
            var info = (LibC.InPktInfo*)data;
            info->IfIndex = endpoint.SourceInterfaceIndex;
            endpoint.CopySourceAddressTo(new Span<byte>(info->SpecificDestination, 4));
            return LibC.CmsgSpace(sizeof(LibC.InPktInfo));
        }
        cmsg->Level = LibC.IPPROTO_IPV6;
        cmsg->Type = LibC.IPV6_PKTINFO;
        cmsg->Length = (nuint)LibC.CmsgLen(sizeof(LibC.In6PktInfo));
        var info6 = (LibC.In6PktInfo*)data;
        info6->IfIndex = endpoint.SourceInterfaceIndex;
        endpoint.CopySourceAddressTo(new Span<byte>(info6->Address, 16));
        return LibC.CmsgSpace(sizeof(LibC.In6PktInfo));
    }

    private struct SendMMsgOperation : BufferPinning.IOperation
    {
        public int Fd;
        public LibC.MMsgHdr* Messages;
        public int Count;
        public int Errno;

        public int Run()
        {
            int result = LibC.SendMMsg(Fd, Messages, (uint)Count, 0);
            Errno = result < 0 ? LibC.LastErrno : 0;
            return result;
        }
    }

    private struct SendMsgLoopOperation : BufferPinning.IOperation
    {
        public int Fd;
        public LibC.MMsgHdr* Messages;
        public int Count;
        public int Errno;

        public int Run()
        {
            int sent = 0;
            while (sent < Count)
            {
                nint length = LibC.SendMsg(Fd, &Messages[sent].Header, 0);
                if (length < 0)
                {
                    Errno = LibC.LastErrno;
                    break;
                }
                Messages[sent++].Length = (uint)length;
            }
            return sent > 0 ? sent : -1;
        }
    }
}
