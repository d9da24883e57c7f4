// TUN offloads against the real kernel, each test in its own namespace: the test plays the far TCP end through
// the TUN, so the kernel's TSO super-packets are read and cut, and coalesced writes go up the kernel's TCP stack.
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Offload;
using WgSharp.Tun.Tests.Support;
using static WgSharp.Tun.Tests.Kernel.TunTestKit;
using static WgSharp.Tun.Tests.Support.L4Packets;

namespace WgSharp.Tun.Tests.Kernel;

public class TunOffloadTests
{
    private static readonly IPAddress TunAddress6 = IPAddress.Parse("fd77::1");
    private static readonly IPAddress PeerAddress6 = IPAddress.Parse("fd77::2");

    [RootFact]
    public void OffloadsAreNegotiatedAndCanBeTurnedOff()
    {
        using var ns = new NetNs();
        using TunDevice withOffloads = ns.Run(() => TunDevice.Create(UniqueName(), TunDevice.DefaultDevicePath, offloads: true));
        using TunDevice plain = ns.Run(() => TunDevice.Create(UniqueName(), TunDevice.DefaultDevicePath, offloads: false));
        Assert.True(withOffloads.Offloads.HasFlag(TunOffloads.Tcp));
        Assert.Equal(TunOffloads.None, plain.Offloads);
        // The kernel shows the negotiated features on the link (TUNSETOFFLOAD sets them).
        // ethtool is a test dependency (test.sh installs it): a missing one fails here instead of skipping the check.
        (int code, string features) = ns.Exec(Patience, "ethtool", "-k", withOffloads.Name);
        Assert.True(code == 0, $"ethtool -k {withOffloads.Name} exited with {code}: {features}");
        Assert.Contains("tcp-segmentation-offload: on", features);
    }

    [RootFact]
    public async Task PersistentInterfaceWithAnotherVirtioHeaderSizeGetsThePlainDevice()
    {
        using var ns = new NetNs();
        string name = UniqueName();
        // Someone made the interface persistent with 12-byte virtio headers (as a VM manager might).
        ns.Run(() =>
        {
            int fd = Interop.LibC.Open(TunDevice.DefaultDevicePath, Interop.LibC.O_RDWR | Interop.LibC.O_CLOEXEC);
            Assert.True(fd >= 0);
            try
            {
                unsafe
                {
                    Interop.LibC.IfReq request = default;
                    request.SetName(name);
                    request.Flags = Interop.LibC.IFF_TUN | Interop.LibC.IFF_NO_PI | Interop.LibC.IFF_VNET_HDR;
                    Assert.Equal(0, Interop.LibC.Ioctl(fd, Interop.LibC.TUNSETIFF, &request));
                    int size = 12;
                    Assert.Equal(0, Interop.LibC.Ioctl(fd, 0x400454d8 /* TUNSETVNETHDRSZ */, &size));
                    Assert.Equal(0, Interop.LibC.Ioctl(fd, 0x400454cb /* TUNSETPERSIST */, (void*)1));
                }
            }
            finally
            {
                Interop.LibC.Close(fd);
            }
        });

        using TunDevice tun = ns.Run(() => TunDevice.Create(name, TunDevice.DefaultDevicePath, offloads: true));
        Assert.Equal(name, tun.Name);
        Assert.Equal(TunOffloads.None, tun.Offloads);
        Configure(ns, name);
        var ping = ns.ExecAsync(Patience, "ping", "-c1", "-W5", PeerAddress.ToString());
        byte[] request = await ReadUntilAsync(tun, p => Packets.IsEchoRequestTo(p, PeerAddress));
        WriteOne(tun, Packets.EchoReplyFor(request));
        var (exitCode, output) = await ping;
        Assert.True(exitCode == 0, output);
    }

    [RootTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TsoSuperPacketFromTheKernelIsReadAsCorrectSegments(bool v6)
    {
        using var ns = new NetNs();
        using TunDevice tun = ns.Run(() => TunDevice.Create(UniqueName(), TunDevice.DefaultDevicePath, offloads: true));
        (IPAddress local, IPAddress peer) = Addresses(ns, tun.Name, v6);
        byte[] data = new byte[20_000];
        Random.Shared.NextBytes(data);

        // The kernel's TCP client connects to the peer address, which lives behind the TUN: we answer its SYN.
        Task<Socket> client = Task.Run(() => ns.Run(() =>
        {
            var socket = new Socket(peer.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { SendBufferSize = 1 << 20 };
            socket.Connect(new IPEndPoint(peer, 5001));
            socket.Send(data);
            return socket;
        }));
        byte[] syn = await ReadUntilAsync(tun, p => IsTcpTo(p, 5001) && (TcpFlags(p) & Syn) != 0);
        ushort clientPort = SourcePort(syn);
        uint clientSequence = Sequence(syn) + 1;
        WriteOne(tun, Build(new Tcp
        {
            Source = peer,
            Destination = local,
            SourcePort = 5001,
            DestinationPort = clientPort,
            Sequence = 70_000,
            Acknowledgment = clientSequence,
            Flags = Syn | Ack,
            Window = 65535,
            Options = [2, 4, 1360 >> 8, 1360 & 0xFF], // MSS 1360
        }));
        using Socket connected = await client.WaitAsync(Patience);

        // Collect the data segments until the first flight (initial cwnd: 10 segments) has arrived.
        List<byte[]> segments = await CollectAsync(tun, p => IsTcpTo(p, 5001) && TcpPayload(p).Length > 0, 10 * 1360);

        Assert.True(tun.SuperPacketsRead >= 1, "the kernel handed out no super-packet");
        uint expected = clientSequence;
        var joined = new List<byte>();
        foreach (byte[] segment in segments.OrderBy(s => Sequence(s) - clientSequence))
        {
            Assert.True(LengthFieldMatches(segment));
            Assert.True(IpChecksumValid(segment));
            Assert.True(TransportChecksumValid(segment));
            Assert.InRange(TcpPayload(segment).Length, 1, 1360);
            if (Sequence(segment) != expected)
            {
                continue; // a retransmission of what we have
            }
            joined.AddRange(TcpPayload(segment));
            expected += (uint)TcpPayload(segment).Length;
        }
        Assert.Equal(data.AsSpan(0, joined.Count).ToArray(), joined.ToArray());
        Assert.True(joined.Count >= 10 * 1360);
        Assert.Equal(0, tun.DroppedReads);
    }

    [RootTheory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CoalescedSegmentsAreAcceptedByTheKernelsTcp(bool v6)
    {
        using var ns = new NetNs();
        using TunDevice tun = ns.Run(() => TunDevice.Create(UniqueName(), TunDevice.DefaultDevicePath, offloads: true));
        (IPAddress local, IPAddress peer) = Addresses(ns, tun.Name, v6);
        using Socket listener = ns.Run(() =>
        {
            var socket = new Socket(local.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(local, 5002));
            socket.Listen();
            return socket;
        });

        // We are the client behind the TUN: SYN, the kernel's SYN-ACK, our ACK.
        var t = new Tcp { Source = peer, Destination = local, SourcePort = 40_001, DestinationPort = 5002, Window = 65535 };
        WriteOne(tun, Build(t with { Sequence = 999, Acknowledgment = 0, Flags = Syn, Options = [2, 4, 1000 >> 8, 1000 & 0xFF] }));
        byte[] synAck = await ReadUntilAsync(tun, p => IsTcpFrom(p, 5002) && TcpFlags(p) == (Syn | Ack));
        uint serverSequence = Sequence(synAck) + 1;
        t = t with { Acknowledgment = serverSequence };
        WriteOne(tun, Build(t with { Sequence = 1000 }));
        using Socket server = await listener.AcceptAsync().WaitAsync(Patience);

        // Sixteen in-order 1000-byte segments (within the window the kernel offered) in one Write.
        int count = Math.Min(16, TcpWindow(synAck) / 1000);
        byte[] data = new byte[count * 1000];
        Random.Shared.NextBytes(data);
        byte[][] buffers = new byte[count][];
        int[] sizes = new int[count];
        for (int k = 0; k < count; k++)
        {
            byte[] packet = Build(t with
            {
                Sequence = 1000 + (uint)(k * 1000),
                Flags = k == count - 1 ? (byte)(Ack | Psh) : Ack,
                Payload = data.AsSpan(k * 1000, 1000).ToArray(),
                Id = (ushort)(500 + k),
            });
            buffers[k] = new byte[16 + 65535];
            packet.CopyTo(buffers[k], 16);
            sizes[k] = packet.Length;
        }
        tun.Write(buffers, sizes, count, 16);
        Assert.Equal(1, tun.SuperPacketsWritten);

        byte[] received = new byte[data.Length];
        int got = 0;
        server.ReceiveTimeout = (int)Patience.TotalMilliseconds;
        while (got < received.Length)
        {
            int n = server.Receive(received, got, received.Length - got, SocketFlags.None);
            Assert.True(n > 0, "connection closed early");
            got += n;
        }
        Assert.Equal(data, received);
        Assert.Equal(0, tun.DroppedWrites);
    }

    [RootFact]
    public void CoalescedUdpDatagramsArriveAsTheOriginalDatagrams()
    {
        using var ns = new NetNs();
        using TunDevice tun = ns.Run(() => TunDevice.Create(UniqueName(), TunDevice.DefaultDevicePath, offloads: true));
        Configure(ns, tun.Name);
        using Socket socket = ns.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
            s.Bind(new IPEndPoint(TunTestKit.TunAddress, 5003));
            return s;
        });

        const int count = 10;
        byte[][] buffers = new byte[count][];
        int[] sizes = new int[count];
        for (int k = 0; k < count; k++)
        {
            byte[] packet = Udp(PeerAddress, 4444, TunTestKit.TunAddress, 5003, Enumerable.Repeat((byte)k, k == count - 1 ? 123 : 500).ToArray(), (ushort)k);
            buffers[k] = new byte[16 + 65535];
            packet.CopyTo(buffers[k], 16);
            sizes[k] = packet.Length;
        }
        tun.Write(buffers, sizes, count, 16);
        Assert.Equal(tun.Offloads.HasFlag(TunOffloads.Udp) ? 1 : 0, tun.SuperPacketsWritten);

        byte[] datagram = new byte[2000];
        for (int k = 0; k < count; k++)
        {
            int n = socket.Receive(datagram);
            Assert.Equal(Enumerable.Repeat((byte)k, k == count - 1 ? 123 : 500).ToArray(), datagram.AsSpan(0, n).ToArray());
        }
        Assert.Equal(0, tun.DroppedWrites);
    }

    [RootTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task PlainPacketsWorkWithAndWithoutOffloads(bool offloads)
    {
        using var ns = new NetNs();
        using TunDevice tun = ns.Run(() => TunDevice.Create(UniqueName(), TunDevice.DefaultDevicePath, offloads));
        Configure(ns, tun.Name);
        var ping = ns.ExecAsync(Patience, "ping", "-c1", "-W5", "-s", "1000", PeerAddress.ToString());
        byte[] request = await ReadUntilAsync(tun, p => Packets.IsEchoRequestTo(p, PeerAddress));
        Assert.Equal(1028, request.Length);
        WriteOne(tun, Packets.EchoReplyFor(request));
        var (exitCode, output) = await ping;
        Assert.True(exitCode == 0, output);

        // Writing with no headroom at all takes the copying path with offloads; the kernel still gets it.
        byte[] udp = Udp(PeerAddress, 1, TunTestKit.TunAddress, 9, [1, 2, 3]);
        tun.Write([udp], [udp.Length], 1, 0);
        Assert.Equal(0, tun.DroppedWrites);
    }

    /// <summary>Reads batches on a background thread, keeping every matching packet, until their payloads add up to <paramref name="bytes"/>.</summary>
    private static async Task<List<byte[]>> CollectAsync(TunDevice tun, Func<byte[], bool> match, int bytes)
    {
        var reader = Task.Factory.StartNew(() =>
        {
            var found = new List<byte[]>();
            byte[][] buffers = Enumerable.Range(0, 8).Select(_ => new byte[16 + 2048]).ToArray();
            int[] sizes = new int[buffers.Length];
            int total = 0;
            while (total < bytes)
            {
                int count = tun.Read(buffers, sizes, 16);
                if (count == 0)
                {
                    throw new InvalidOperationException("device closed early");
                }
                for (int i = 0; i < count; i++)
                {
                    byte[] packet = buffers[i].AsSpan(16, sizes[i]).ToArray();
                    if (match(packet))
                    {
                        found.Add(packet);
                        total += TcpPayload(packet).Length;
                    }
                }
            }
            return found;
        }, TaskCreationOptions.LongRunning);
        return await reader.WaitAsync(Patience);
    }

    private static (IPAddress Local, IPAddress Peer) Addresses(NetNs ns, string name, bool v6)
    {
        Configure(ns, name);
        if (!v6)
        {
            return (TunTestKit.TunAddress, PeerAddress);
        }
        ns.Ip("addr", "add", $"{TunAddress6}/64", "dev", name, "nodad");
        // The address is usable as a source at once, but its local route is installed from a work queue a moment
        // later (addrconf_dad_completed); a packet to it arriving before that is dropped (Ip6InAddrErrors).
        var deadline = DateTime.UtcNow + Patience;
        while (!ns.Ip("-6", "route", "show", "table", "local").Contains($"local {TunAddress6} "))
        {
            Assert.True(DateTime.UtcNow < deadline, "the IPv6 address never became local");
            Thread.Sleep(10);
        }
        return (TunAddress6, PeerAddress6);
    }

    private static bool IsTcpTo(byte[] packet, ushort port) =>
        packet.Length >= 40 && (packet[0] >> 4 is 4 or 6) && Protocol(packet) == 6
        && System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(IpHeaderLength(packet) + 2)) == port;

    private static bool IsTcpFrom(byte[] packet, ushort port) =>
        packet.Length >= 40 && (packet[0] >> 4 is 4 or 6) && Protocol(packet) == 6 && SourcePort(packet) == port;
}
