// TunDevice against the real kernel, each test in its own network namespace (see NetNs for why setns).
using System.Net;
using System.Net.Sockets;
using System.Text;
using WgSharp.Tun.Tests.Support;
using static WgSharp.Tun.Tests.Kernel.TunTestKit;

namespace WgSharp.Tun.Tests.Kernel;

public class TunDeviceTests
{
    [RootFact]
    public async Task KernelPacketIsReadAndWrittenReplyIsDelivered()
    {
        using var ns = new NetNs();
        using TunDevice tun = ns.Run(() => TunDevice.Create(UniqueName()));
        Configure(ns, tun.Name);

        // ping sends an echo request routed to the TUN; we answer it through the TUN; ping exits 0 only if the
        // kernel accepted our reply.
        var ping = ns.ExecAsync(Patience, "ping", "-c1", "-W5", PeerAddress.ToString());
        byte[] request = await ReadUntilAsync(tun, p => Packets.IsEchoRequestTo(p, PeerAddress));
        WriteOne(tun, Packets.EchoReplyFor(request));

        var (exitCode, output) = await ping;
        Assert.True(exitCode == 0, output);
    }

    [RootFact]
    public void WrittenUdpPacketReachesASocketInTheNamespace()
    {
        using var ns = new NetNs();
        using TunDevice tun = ns.Run(() => TunDevice.Create(UniqueName()));
        Configure(ns, tun.Name);
        using Socket socket = ns.Run(() => BoundUdpSocket(new IPEndPoint(TunAddress, 5555)));

        byte[] payload = Encoding.ASCII.GetBytes("through the tun");
        WriteOne(tun, Packets.Udp4(PeerAddress, 4444, TunAddress, 5555, payload));

        byte[] received = new byte[100];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        int length = socket.ReceiveFrom(received, ref from);
        Assert.Equal(payload, received.AsSpan(0, length).ToArray());
        Assert.Equal(new IPEndPoint(PeerAddress, 4444), from);
    }

    [RootFact]
    public async Task JumboPacketsPassBothWaysWithMtu34736()
    {
        using var ns = new NetNs();
        using TunDevice tun = ns.Run(() => TunDevice.Create(UniqueName()));
        tun.SetMtu(34736);
        Assert.Equal(34736, tun.Mtu);
        Configure(ns, tun.Name);
        using Socket socket = ns.Run(() => BoundUdpSocket(new IPEndPoint(TunAddress, 5556)));

        // Write: a 20000-byte datagram (20028-byte packet) arrives whole.
        byte[] payload = new byte[20000];
        Random.Shared.NextBytes(payload);
        WriteOne(tun, Packets.Udp4(PeerAddress, 4444, TunAddress, 5556, payload));
        byte[] received = new byte[65536];
        int length = socket.Receive(received);
        Assert.Equal(payload, received.AsSpan(0, length).ToArray());

        // Read: a 9000-byte ping is one 9028-byte packet, not fragments.
        var ping = ns.ExecAsync(Patience, "ping", "-c1", "-W5", "-s", "9000", "-M", "do", PeerAddress.ToString());
        byte[] request = await ReadUntilAsync(tun, p => Packets.IsEchoRequestTo(p, PeerAddress));
        Assert.Equal(9028, request.Length);
        WriteOne(tun, Packets.EchoReplyFor(request));
        var (exitCode, output) = await ping;
        Assert.True(exitCode == 0, output);
    }

    [RootFact]
    public void ReadReturnsSeveralQueuedPacketsInOneCall()
    {
        using var ns = new NetNs();
        using TunDevice tun = ns.Run(() => TunDevice.Create(UniqueName()));
        Configure(ns, tun.Name);
        ns.Run(() =>
        {
            using var sender = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            for (int i = 0; i < 5; i++)
            {
                sender.SendTo(new byte[] { (byte)i }, new IPEndPoint(PeerAddress, 9));
            }
        });
        Thread.Sleep(200);

        byte[][] buffers = Enumerable.Range(0, 8).Select(_ => new byte[2000]).ToArray();
        int[] sizes = new int[8];
        int count = tun.Read(buffers, sizes, 0);

        // Bringing the link up may also queue IPv6 router solicitations or MLD reports; look at the IPv4 ones.
        int[] datagrams = Enumerable.Range(0, count).Where(i => Packets.IsIPv4(buffers[i])).ToArray();
        Assert.Equal(5, datagrams.Length);
        for (int k = 0; k < datagrams.Length; k++)
        {
            int i = datagrams[k];
            Assert.Equal(Packets.Udp, Packets.Protocol(buffers[i]));
            Assert.Equal(29, sizes[i]);
            Assert.Equal(k, buffers[i][28]);
        }
    }

    [RootFact]
    public async Task DisposeWakesABlockedRead()
    {
        using var ns = new NetNs();
        TunDevice tun = ns.Run(() => TunDevice.Create(UniqueName()));
        try
        {
            var reader = Task.Factory.StartNew(() => tun.Read([new byte[2000]], new int[1], 0), TaskCreationOptions.LongRunning);
            await Task.Delay(200);
            Assert.False(reader.IsCompleted);
            tun.Dispose();
            Assert.Equal(0, await reader.WaitAsync(Patience));
            Assert.Equal(0, tun.Read([new byte[2000]], new int[1], 0));
        }
        finally
        {
            tun.Dispose();
        }
    }

    [RootFact]
    public async Task DeletedLinkIsReportedAndReadFails()
    {
        using var ns = new NetNs();
        using TunDevice tun = ns.Run(() => TunDevice.Create(UniqueName()));
        var reader = Task.Factory.StartNew(() => tun.Read([new byte[2000]], new int[1], 0), TaskCreationOptions.LongRunning);
        await Task.Delay(100);

        ns.Ip("link", "del", tun.Name);

        TunEvent deleted = await NextEventAsync(tun, TunEventKind.Deleted);
        Assert.Equal(TunEventKind.Deleted, deleted.Kind);
        var error = await Assert.ThrowsAsync<TunException>(() => reader.WaitAsync(Patience));
        Assert.Equal(Errno.EBADFD, error.Errno); // EBADFD
        Assert.Contains("deleted", error.Message);
        Assert.Equal(TunAttachment.Detached, tun.QueryAttachment());
    }

    [RootFact]
    public async Task MtuChangeAndLinkUpAreReported()
    {
        using var ns = new NetNs();
        using TunDevice tun = ns.Run(() => TunDevice.Create(UniqueName()));
        Configure(ns, tun.Name);
        Assert.Equal(TunEventKind.Up, (await NextEventAsync(tun, TunEventKind.Up)).Kind);

        ns.Ip("link", "set", tun.Name, "mtu", "1300");
        TunEvent changed = await NextEventAsync(tun, TunEventKind.MtuChanged);
        Assert.Equal(1300, changed.Mtu);
        Assert.Equal(1300, tun.Mtu);

        ns.Ip("link", "set", tun.Name, "down");
        Assert.Equal(TunEventKind.Down, (await NextEventAsync(tun, TunEventKind.Down)).Kind);
    }

    [RootFact]
    public async Task MoveToAnotherNamespaceIsNotDeletionAndTheDeviceKeepsWorking()
    {
        using var home = new NetNs();
        using var away = new NetNs();
        using TunDevice tun = home.Run(() => TunDevice.Create(UniqueName()));

        home.Ip("link", "set", tun.Name, "netns", away.Name);

        // The home namespace saw RTM_DELLINK, but TUNGETIFF says the device lives on.
        TunEvent moved = await tun.Events.ReadAsync().AsTask().WaitAsync(Patience);
        Assert.Equal(TunEventKind.MovedToOtherNamespace, moved.Kind);
        Assert.False(await tun.Events.WaitToReadAsync().AsTask().WaitAsync(Patience)); // completed, no Deleted
        Assert.Equal(TunAttachment.Attached, tun.QueryAttachment());

        Configure(away, tun.Name);
        var ping = away.ExecAsync(Patience, "ping", "-c1", "-W5", PeerAddress.ToString());
        byte[] request = await ReadUntilAsync(tun, p => Packets.IsEchoRequestTo(p, PeerAddress));
        WriteOne(tun, Packets.EchoReplyFor(request));
        var (exitCode, output) = await ping;
        Assert.True(exitCode == 0, output);
    }

    [RootFact]
    public void EmptyNameLetsTheKernelChoose()
    {
        using var ns = new NetNs();
        using TunDevice tun = ns.Run(() => TunDevice.Create(""));
        Assert.StartsWith("tun", tun.Name);
        Assert.True(tun.InterfaceIndex > 1);
        Assert.Contains(tun.Name, ns.Ip("link", "show"));
    }

    [RootFact]
    public void NameInUseByAnotherTunIsReported()
    {
        using var ns = new NetNs();
        string name = UniqueName();
        using TunDevice first = ns.Run(() => TunDevice.Create(name));
        var error = Assert.Throws<TunException>(() => ns.Run(() => TunDevice.Create(name)));
        Assert.Equal(Errno.EBUSY, error.Errno); // EBUSY
        Assert.Contains("in use", error.Message);
    }

    [RootFact]
    public void NameOfANonTunInterfaceIsReported()
    {
        using var ns = new NetNs();
        var error = Assert.Throws<TunException>(() => ns.Run(() => TunDevice.Create("lo")));
        Assert.Equal(Errno.EINVAL, error.Errno); // EINVAL
        Assert.Contains("not a TUN device", error.Message);
    }

    [RootFact]
    public void MissingCapNetAdminIsExplained()
    {
        using var ns = new NetNs();
        var error = Assert.Throws<TunException>(() => ns.Run(() =>
        {
            TestLibC.DropEffectiveCapabilities(TestLibC.CAP_NET_ADMIN);
            return TunDevice.Create(UniqueName());
        }));
        Assert.Equal(Errno.EPERM, error.Errno); // EPERM
        Assert.Contains("CAP_NET_ADMIN", error.Message);
    }

    [Theory]
    [InlineData("this-name-is-16b", "too long")]
    [InlineData("bad/name", "invalid")]
    [InlineData("bad name", "invalid")]
    [InlineData("bad:name", "invalid")]
    [InlineData("..", "invalid")]
    public void InvalidNamesAreRejectedBeforeTheKernel(string name, string reason)
    {
        var error = Assert.Throws<TunException>(() => TunDevice.Create(name, "/nonexistent/must-not-be-opened"));
        Assert.Contains(reason, error.Message);
        Assert.Equal(Errno.EINVAL, error.Errno);
    }

    [Fact]
    public void MissingTunDeviceExplainsHowToEnableIt()
    {
        var error = Assert.Throws<TunException>(() => TunDevice.Create("wg0", "/nonexistent/net/tun"));
        Assert.Equal(Errno.ENOENT, error.Errno); // ENOENT
        Assert.Contains("modprobe tun", error.Message);
        Assert.Contains("vzctl set CTID --devnodes net/tun:rw --save", error.Message);
        Assert.Contains("lxc.cgroup2.devices.allow = c 10:200 rwm", error.Message);
        Assert.Contains("bind", error.Message);
    }

    private static Socket BoundUdpSocket(IPEndPoint local)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        socket.Bind(local);
        return socket;
    }
}
