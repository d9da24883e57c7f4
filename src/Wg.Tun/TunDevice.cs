// The kernel TUN device: /dev/net/tun with IFF_TUN|IFF_NO_PI (Documentation/networking/tuntap.rst), and with
// IFF_VNET_HDR plus TUNSETOFFLOAD when the kernel takes them, so TCP moves through it as 64 KiB super-packets.
using System.Threading.Channels;
using WgSharp.Tun.Interop;
using WgSharp.Tun.Offload;

namespace WgSharp.Tun;

/// <summary>
/// A Linux TUN interface. The fd is non-blocking: Read drains what is ready and otherwise waits in poll(2) on
/// the fd plus a <see cref="CloseSignal"/>, so Close from any thread wakes a blocked reader. The control socket
/// (for SIOCGIFMTU and friends) and the rtnetlink watcher are opened in the constructor, hence in the network
/// namespace of the creating thread, the same as the interface itself.
/// Offloads (see <see cref="Offloads"/>): with IFF_VNET_HDR and TUN_F_CSUM|TSO4|TSO6 the kernel hands out TCP
/// super-packets, which Read cuts into MSS-sized segments (across calls if the caller's batch is too small), and
/// Write coalesces in-order TCP segments of a flow back into super-packets (software GRO); UDP likewise when the
/// kernel also takes USO (6.2+). A kernel that refuses any of this gets the plain device.
/// Thread safety: Read, Write, Mtu and Close may be called concurrently from any threads. With offloads, Reads are
/// serialised among themselves and Writes among themselves (each side keeps its own scratch); without, nothing is
/// shared.
/// </summary>
public sealed unsafe partial class TunDevice : ITunDevice
{
    internal const string DefaultDevicePath = "/dev/net/tun";

    /// <summary>The largest IP packet (the IPv4/IPv6 length fields are 16 bits): buffers of this size past the offset never truncate.</summary>
    public const int MaxPacketSize = 65535;

    private readonly FileDescriptor _tun;
    private readonly FileDescriptor _control;
    private readonly CloseSignal _closeSignal;
    private readonly Channel<TunEvent> _events = Channel.CreateUnbounded<TunEvent>(
        new UnboundedChannelOptions { SingleWriter = true });
    private readonly TunLinkWatcher _watcher;

    // Last MTU seen (ioctl or netlink); answered when the interface is no longer reachable by name.
    private volatile int _lastMtu;

    // Set by the watcher once the interface left this namespace: name lookups here would find someone else.
    private volatile bool _movedOut;

    private long _droppedReads;
    private long _droppedWrites;
    private int _disposed;

    private TunDevice(string name, int interfaceIndex, int mtu, bool running, FileDescriptor tun, FileDescriptor control,
        CloseSignal closeSignal, int netlinkFd, TunOffloads offloads)
    {
        Name = name;
        InterfaceIndex = interfaceIndex;
        Offloads = offloads;
        if (offloads != TunOffloads.None)
        {
            _readBuffer = new GsoReadBuffer();
            _coalescer = new GroCoalescer { CoalesceUdp = (offloads & TunOffloads.Udp) != 0 };
        }
        _lastMtu = mtu;
        _tun = tun;
        _control = control;
        _closeSignal = closeSignal;
        try
        {
            _watcher = new TunLinkWatcher(this, netlinkFd, interfaceIndex, mtu, running);
        }
        catch
        {
            tun.Dispose();
            control.Dispose();
            closeSignal.Dispose();
            throw;
        }
        _watcher.Start();
    }

    /// <summary>
    /// Creates (or attaches to a persistent) TUN interface. An empty <paramref name="name"/> lets the kernel pick
    /// (tunN); a name containing "%d" is a template the kernel fills in.
    /// </summary>
    public static TunDevice Create(string name) => Create(name, DefaultDevicePath, OffloadSettings.Enabled);

    /// <summary>As <see cref="Create(string)"/>, with the clone device path replaceable (tests, odd containers).</summary>
    public static TunDevice Create(string name, string devicePath) => Create(name, devicePath, OffloadSettings.Enabled);

    /// <summary>As <see cref="Create(string)"/>; <paramref name="offloads"/> false never asks for IFF_VNET_HDR.</summary>
    public static TunDevice Create(string name, string devicePath, bool offloads)
    {
        ArgumentNullException.ThrowIfNull(name);
        TunErrors.ValidateName(name);

        int tunFd = Attach(devicePath, name, offloads, out string actualName, out TunOffloads features);
        int controlFd = -1;
        int netlinkFd = -1;
        CloseSignal? signal = null;
        try
        {

            controlFd = LibC.Socket(LibC.AF_INET, LibC.SOCK_DGRAM | LibC.SOCK_CLOEXEC, 0);
            if (controlFd < 0)
            {
                throw TunErrors.Io(actualName, "Opening a control socket", LibC.LastErrno);
            }
            int index = InterfaceRequest(controlFd, actualName, LibC.SIOCGIFINDEX, out int ifIndexErrno).IfIndex;
            if (ifIndexErrno != 0)
            {
                throw TunErrors.Io(actualName, "SIOCGIFINDEX", ifIndexErrno);
            }
            int mtu = InterfaceRequest(controlFd, actualName, LibC.SIOCGIFMTU, out int mtuErrno).Mtu;
            if (mtuErrno != 0)
            {
                throw TunErrors.Io(actualName, "SIOCGIFMTU", mtuErrno);
            }
            short flags = InterfaceRequest(controlFd, actualName, LibC.SIOCGIFFLAGS, out int flagsErrno).Flags;
            if (flagsErrno != 0)
            {
                throw TunErrors.Io(actualName, "SIOCGIFFLAGS", flagsErrno);
            }

            netlinkFd = TunLinkWatcher.OpenSocket(out int netlinkErrno);
            if (netlinkFd < 0)
            {
                throw TunErrors.Io(actualName, "Opening an rtnetlink socket", netlinkErrno);
            }
            signal = CloseSignal.TryCreate(out int eventErrno)
                ?? throw TunErrors.Io(actualName, "eventfd", eventErrno);

            return new TunDevice(actualName, index, mtu, IsRunning(flags), new FileDescriptor(tunFd),
                new FileDescriptor(controlFd), signal, netlinkFd, features);
        }
        catch
        {
            signal?.Dispose();
            if (netlinkFd >= 0)
            {
                LibC.Close(netlinkFd);
            }
            if (controlFd >= 0)
            {
                LibC.Close(controlFd);
            }
            LibC.Close(tunFd);
            throw;
        }
    }

    /// <summary>The name the kernel gave the interface at creation.</summary>
    public string Name { get; }

    /// <summary>The interface index at creation (it may differ after a move to another namespace).</summary>
    public int InterfaceIndex { get; }

    public int BatchSize => 128;

    /// <summary>Which offloads the kernel accepted for this fd (none when it refused IFF_VNET_HDR or TUNSETOFFLOAD).</summary>
    internal TunOffloads Offloads { get; }

    /// <summary>Super-packets read and cut into segments (0 without offloads). Read without the read lock, which a
    /// blocked reader holds: a 64-bit read is atomic, and a count a moment old is fine here.</summary>
    public long SuperPacketsRead => _readBuffer?.SuperPackets ?? 0;

    /// <summary>Super-packets coalesced and written (0 without offloads).</summary>
    public long SuperPacketsWritten => _coalescer?.SuperPackets ?? 0;

    public ChannelReader<TunEvent> Events => _events.Reader;

    public long DroppedReads => Interlocked.Read(ref _droppedReads);

    public long DroppedWrites => Interlocked.Read(ref _droppedWrites);

    /// <summary>
    /// The MTU, asked from the kernel (SIOCGIFMTU). Once the interface moved to another namespace, or after
    /// Close, this is the last value seen.
    /// </summary>
    public int Mtu
    {
        get
        {
            if (!_movedOut && TryQueryLink(out int mtu, out _))
            {
                _lastMtu = mtu;
            }
            return _lastMtu;
        }
    }

    /// <summary>Sets the interface MTU (SIOCSIFMTU; needs CAP_NET_ADMIN). The TUN driver accepts 68..65535.</summary>
    public void SetMtu(int mtu)
    {
        if (!_control.TryAcquire(out int fd))
        {
            throw new ObjectDisposedException(nameof(TunDevice));
        }
        try
        {
            LibC.IfReq request = default;
            request.SetName(Name);
            request.Mtu = mtu;
            if (LibC.Ioctl(fd, LibC.SIOCSIFMTU, &request) < 0)
            {
                throw TunErrors.Io(Name, $"Setting MTU {mtu}", LibC.LastErrno);
            }
            _lastMtu = mtu;
        }
        finally
        {
            _control.Release();
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
        _watcher.Dispose();
        _tun.Dispose();
        _control.Dispose();
        _closeSignal.Dispose();
        _events.Writer.TryComplete();
    }

    /// <summary>Whether the fd is still attached to a live interface: TUNGETIFF fails with EBADFD once it was deleted.</summary>
    internal TunAttachment QueryAttachment()
    {
        if (!_tun.TryAcquire(out int fd))
        {
            return TunAttachment.Closed;
        }
        try
        {
            LibC.IfReq request = default;
            if (LibC.Ioctl(fd, LibC.TUNGETIFF, &request) == 0)
            {
                return TunAttachment.Attached;
            }
            return LibC.LastErrno == LibC.EBADFD ? TunAttachment.Detached : TunAttachment.Attached;
        }
        finally
        {
            _tun.Release();
        }
    }

    /// <summary>Reads MTU and up/running state by name; false if the name is not found here (moved, deleted) or closed.</summary>
    internal bool TryQueryLink(out int mtu, out bool running)
    {
        mtu = 0;
        running = false;
        if (!_control.TryAcquire(out int fd))
        {
            return false;
        }
        try
        {
            mtu = InterfaceRequest(fd, Name, LibC.SIOCGIFMTU, out int mtuErrno).Mtu;
            short flags = InterfaceRequest(fd, Name, LibC.SIOCGIFFLAGS, out int flagsErrno).Flags;
            running = IsRunning(flags);
            return mtuErrno == 0 && flagsErrno == 0;
        }
        finally
        {
            _control.Release();
        }
    }

    /// <summary>Called on the watcher thread for every event before it is published.</summary>
    internal void OnLinkEvent(TunEvent linkEvent)
    {
        switch (linkEvent.Kind)
        {
            case TunEventKind.MtuChanged:
                _lastMtu = linkEvent.Mtu;
                break;
            case TunEventKind.MovedToOtherNamespace:
                _movedOut = true;
                break;
        }
        _events.Writer.TryWrite(linkEvent);
        if (linkEvent.Kind is TunEventKind.Deleted or TunEventKind.MovedToOtherNamespace)
        {
            _events.Writer.TryComplete();
        }
    }

    /// <summary>
    /// Opens the clone device and attaches it to the interface. With <paramref name="offloads"/> it first asks for
    /// IFF_VNET_HDR and TUN_F_CSUM|TSO4|TSO6 (then USO4|USO6 on top, 6.2+), as wireguard-go does; if the kernel
    /// refuses the flag the same fd is attached plainly, and if it refuses the offloads (or the interface has a
    /// virtio header size other than 10) the fd is closed (a non-persistent interface goes with it) and a plain one
    /// attached under the name the kernel had given.
    /// </summary>
    private static int Attach(string devicePath, string name, bool offloads, out string actualName, out TunOffloads features)
    {
        features = TunOffloads.None;
        int fd = LibC.Open(devicePath, LibC.O_RDWR | LibC.O_CLOEXEC | LibC.O_NONBLOCK);
        if (fd < 0)
        {
            throw TunErrors.Open(devicePath, LibC.LastErrno);
        }
        try
        {
            LibC.IfReq request = default;
            if (offloads)
            {
                request.SetName(name);
                request.Flags = LibC.IFF_TUN | LibC.IFF_NO_PI | LibC.IFF_VNET_HDR;
                if (LibC.Ioctl(fd, LibC.TUNSETIFF, &request) == 0)
                {
                    actualName = request.GetName();
                    const uint tcp = LibC.TUN_F_CSUM | LibC.TUN_F_TSO4 | LibC.TUN_F_TSO6;
                    // A persistent interface may carry another header size (TUNSETVNETHDRSZ by its creator): then the
                    // records are not what we parse, so take the plain device rather than guess.
                    int headerSize = 0;
                    if (LibC.Ioctl(fd, LibC.TUNGETVNETHDRSZ, &headerSize) == 0 && headerSize == VirtioNetHeader.Size
                        && LibC.Ioctl(fd, LibC.TUNSETOFFLOAD, (void*)(nuint)tcp) == 0)
                    {
                        features = TunOffloads.Tcp;
                        if (LibC.Ioctl(fd, LibC.TUNSETOFFLOAD, (void*)(nuint)(tcp | LibC.TUN_F_USO4 | LibC.TUN_F_USO6)) == 0)
                        {
                            features |= TunOffloads.Udp;
                        }
                        return fd;
                    }
                    LibC.Close(fd);
                    fd = -1;
                    return Attach(devicePath, actualName, offloads: false, out actualName, out features);
                }
            }
            request = default;
            request.SetName(name);
            request.Flags = LibC.IFF_TUN | LibC.IFF_NO_PI;
            if (LibC.Ioctl(fd, LibC.TUNSETIFF, &request) < 0)
            {
                throw TunErrors.SetInterface(name, LibC.LastErrno);
            }
            actualName = request.GetName();
            return fd;
        }
        catch
        {
            if (fd >= 0)
            {
                LibC.Close(fd);
            }
            throw;
        }
    }

    private static bool IsRunning(short flags) =>
        (flags & (LibC.IFF_UP | LibC.IFF_RUNNING)) == (LibC.IFF_UP | LibC.IFF_RUNNING);

    private static LibC.IfReq InterfaceRequest(int socketFd, string name, uint request, out int errno)
    {
        LibC.IfReq ifr = default;
        ifr.SetName(name);
        errno = LibC.Ioctl(socketFd, request, &ifr) < 0 ? LibC.LastErrno : 0;
        return ifr;
    }
}
