// Watches rtnetlink link messages (RTMGRP_LINK) for one TUN interface: up/down, MTU, deletion, netns moves.
using System.Buffers.Binary;
using WgSharp.Tun.Interop;

namespace WgSharp.Tun;

/// <summary>
/// A background thread reading RTM_NEWLINK / RTM_DELLINK (rtnetlink(7)) for the device's ifindex and reporting
/// changes through <see cref="TunDevice.OnLinkEvent"/>.
/// RTM_DELLINK alone is ambiguous: the kernel also sends it to the old namespace when the interface is moved
/// with <c>ip link set X netns Y</c>, and the device then keeps working. TUNGETIFF on our fd tells the two
/// apart: it fails with EBADFD only when the interface is really gone (drivers/net/tun.c).
/// </summary>
internal sealed unsafe class TunLinkWatcher : IDisposable
{
    private const int ReceiveBufferSize = 64 * 1024;

    private readonly TunDevice _device;
    private readonly FileDescriptor _socket;
    private readonly CloseSignal _stop;
    private readonly int _ifIndex;
    private readonly Thread _thread;

    // Owned by the watcher thread after Start.
    private int _mtu;
    private bool _running;
    private bool _finished;

    public TunLinkWatcher(TunDevice device, int netlinkFd, int ifIndex, int mtu, bool running)
    {
        _device = device;
        _socket = new FileDescriptor(netlinkFd);
        CloseSignal? stop = CloseSignal.TryCreate(out int errno);
        if (stop is null)
        {
            _socket.Dispose();
            throw TunErrors.Io(device.Name, "eventfd", errno);
        }
        _stop = stop;
        _ifIndex = ifIndex;
        _mtu = mtu;
        _running = running;
        _thread = new Thread(Run) { IsBackground = true, Name = $"wgsharp-link-{device.Name}" };
    }

    /// <summary>Opens a non-blocking NETLINK_ROUTE socket subscribed to RTMGRP_LINK; -1 and errno on failure.</summary>
    public static int OpenSocket(out int errno)
    {
        int fd = LibC.Socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_CLOEXEC | LibC.SOCK_NONBLOCK, LibC.NETLINK_ROUTE);
        if (fd < 0)
        {
            errno = LibC.LastErrno;
            return -1;
        }
        var address = new LibC.SockAddrNl { Family = LibC.AF_NETLINK, Groups = LibC.RTMGRP_LINK };
        if (LibC.Bind(fd, &address, (uint)sizeof(LibC.SockAddrNl)) < 0)
        {
            errno = LibC.LastErrno;
            LibC.Close(fd);
            return -1;
        }
        errno = 0;
        return fd;
    }

    public void Start() => _thread.Start();

    public void Dispose()
    {
        _stop.Signal();
        if (_thread.IsAlive && Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }
        _socket.Dispose();
        _stop.Dispose();
    }

    private void Run()
    {
        if (!_socket.TryAcquire(out int fd))
        {
            return;
        }
        byte[] buffer = GC.AllocateUninitializedArray<byte>(ReceiveBufferSize, pinned: true);
        try
        {
            fixed (byte* p = buffer)
            {
                while (!_finished && _stop.Wait(fd, LibC.POLLIN))
                {
                    while (!_finished)
                    {
                        nint received = LibC.Recv(fd, p, (nuint)buffer.Length, LibC.MSG_DONTWAIT);
                        if (received < 0)
                        {
                            int errno = LibC.LastErrno;
                            if (errno == LibC.EINTR)
                            {
                                continue;
                            }
                            if (errno == LibC.ENOBUFS)
                            {
                                // The socket buffer overflowed and messages were lost (netlink(7)): ask directly.
                                Resynchronize();
                                continue;
                            }
                            break;
                        }
                        Parse(buffer.AsSpan(0, (int)received));
                    }
                }
            }
        }
        finally
        {
            _socket.Release();
        }
    }

    private void Parse(ReadOnlySpan<byte> data)
    {
        while (data.Length >= LibC.NlMsgHdrSize && !_finished)
        {
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(data);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
            if (length < LibC.NlMsgHdrSize || length > data.Length)
            {
                return;
            }
            ReadOnlySpan<byte> message = data[LibC.NlMsgHdrSize..length];
            if ((type == LibC.RTM_NEWLINK || type == LibC.RTM_DELLINK) && message.Length >= LibC.IfInfoMsgSize)
            {
                int index = BinaryPrimitives.ReadInt32LittleEndian(message[4..]);
                uint flags = BinaryPrimitives.ReadUInt32LittleEndian(message[8..]);
                if (index == _ifIndex)
                {
                    if (type == LibC.RTM_DELLINK)
                    {
                        OnDelLink();
                    }
                    else
                    {
                        OnNewLink(flags, message[LibC.IfInfoMsgSize..]);
                    }
                }
            }
            int advance = LibC.NetlinkAlign(length);
            if (advance >= data.Length)
            {
                return;
            }
            data = data[advance..];
        }
    }

    private void OnNewLink(uint flags, ReadOnlySpan<byte> attributes)
    {
        int mtu = _mtu;
        while (attributes.Length >= LibC.RtAttrSize)
        {
            int length = BinaryPrimitives.ReadUInt16LittleEndian(attributes);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(attributes[2..]);
            if (length < LibC.RtAttrSize || length > attributes.Length)
            {
                break;
            }
            if (type == LibC.IFLA_MTU && length >= LibC.RtAttrSize + sizeof(uint))
            {
                mtu = (int)BinaryPrimitives.ReadUInt32LittleEndian(attributes[LibC.RtAttrSize..]);
            }
            int advance = LibC.NetlinkAlign(length);
            if (advance >= attributes.Length)
            {
                break;
            }
            attributes = attributes[advance..];
        }
        bool running = (flags & (LibC.IFF_UP | LibC.IFF_RUNNING)) == (LibC.IFF_UP | LibC.IFF_RUNNING);
        Report(mtu, running);
    }

    private void OnDelLink()
    {
        switch (_device.QueryAttachment())
        {
            case TunAttachment.Detached:
                Finish(TunEventKind.Deleted);
                break;
            case TunAttachment.Attached:
                Finish(TunEventKind.MovedToOtherNamespace);
                break;
            default:
                _finished = true;
                break;
        }
    }

    private void Resynchronize()
    {
        switch (_device.QueryAttachment())
        {
            case TunAttachment.Detached:
                Finish(TunEventKind.Deleted);
                return;
            case TunAttachment.Closed:
                _finished = true;
                return;
        }
        if (_device.TryQueryLink(out int mtu, out bool running))
        {
            Report(mtu, running);
        }
        else
        {
            // Attached, yet its name is unknown here: it left this namespace while we were not listening.
            Finish(TunEventKind.MovedToOtherNamespace);
        }
    }

    private void Report(int mtu, bool running)
    {
        if (mtu != _mtu)
        {
            _mtu = mtu;
            _device.OnLinkEvent(new TunEvent(TunEventKind.MtuChanged, mtu));
        }
        if (running != _running)
        {
            _running = running;
            _device.OnLinkEvent(new TunEvent(running ? TunEventKind.Up : TunEventKind.Down, mtu));
        }
    }

    private void Finish(TunEventKind kind)
    {
        _finished = true;
        _device.OnLinkEvent(new TunEvent(kind, _mtu));
    }
}
