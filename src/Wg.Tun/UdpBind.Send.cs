// UdpBind send path: sendmmsg (or a sendmsg loop) of a batch to one endpoint, from its sticky source via PKTINFO.
using System.Runtime.CompilerServices;
using WgSharp.Tun.Interop;

namespace WgSharp.Tun;

internal sealed unsafe partial class UdpBind
{
    /// <summary>One cmsg carrying in_pktinfo (CMSG_SPACE(12) = 32) or in6_pktinfo (CMSG_SPACE(20) = 40).</summary>
    private const int SendControlSize = 40;

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
        byte* control = stackalloc byte[SendControlSize];
        int controlLength = endpoint.IsIPv4MappedIPv6 ? 0 : WritePktInfo(endpoint, control);

        int batch = Math.Min(count, MaxBatchSize);
        LibC.MMsgHdr* messages = stackalloc LibC.MMsgHdr[batch];
        LibC.Iovec* iov = stackalloc LibC.Iovec[batch];

        int next = 0; // index of the next datagram to try
        int sent = 0;
        int firstError = 0;
        bool sourceRetried = false;
        while (next < count)
        {
            int chunk = Math.Min(count - next, batch);
            for (int i = 0; i < chunk; i++)
            {
                iov[i].Length = (nuint)sizes[next + i];
                LibC.MsgHdr* header = &messages[i].Header;
                header->Name = &name;
                header->NameLength = nameLength;
                header->Iov = &iov[i];
                header->IovLength = 1;
                header->Control = controlLength > 0 ? control : null;
                header->ControlLength = (nuint)controlLength;
                header->Flags = 0;
                messages[i].Length = 0;
            }

            int result;
            int errno;
            if (UseSendMMsg)
            {
                var operation = new SendMMsgOperation { Fd = fd, Messages = messages, Count = chunk };
                result = BufferPinning.Run(buffers, next, next + chunk, offset, iov, ref operation);
                errno = operation.Errno;
                if (result < 0 && errno is LibC.ENOSYS or LibC.EOPNOTSUPP)
                {
                    s_sendMMsgUnavailable = true;
                    continue;
                }
            }
            else
            {
                var operation = new SendMsgLoopOperation { Fd = fd, Messages = messages, Count = chunk };
                result = BufferPinning.Run(buffers, next, next + chunk, offset, iov, ref operation);
                errno = operation.Errno;
            }

            if (result > 0)
            {
                sent += result;
                next += result;
                continue;
            }
            switch (errno)
            {
                case LibC.EINTR:
                    continue;
                case LibC.EAGAIN:
                    if (!_closeSignal.Wait(fd, LibC.POLLOUT))
                    {
                        return new UdpSendResult(sent, LibC.EBADF);
                    }
                    continue;
                // The sticky source may have gone away: a removed IPv6 address gives EINVAL
                // (ip6_datagram_send_ctl), a removed IPv4 address ENETUNREACH on current kernels (EINVAL on old
                // ones, __ip_route_output_key_hash), a vanished interface ENODEV. Forget the source and let the
                // kernel choose, once, as wireguard-go does on EINVAL. If the route itself is the problem the
                // retry fails the same way and the source is simply learned again from the next reply.
                case LibC.EINVAL or LibC.ENETUNREACH or LibC.ENODEV when controlLength > 0 && !sourceRetried:
                    endpoint = endpoint.WithoutSource();
                    controlLength = 0;
                    sourceRetried = true;
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
        new Span<byte>(control, SendControlSize).Clear();
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
