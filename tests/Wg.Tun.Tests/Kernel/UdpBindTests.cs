// UdpBind against the real kernel, inside a private network namespace (no traffic leaves it).
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Tests.Support;
using static WgSharp.Tun.Tests.Kernel.TunTestKit;

namespace WgSharp.Tun.Tests.Kernel;

public class UdpBindTests
{
    private static readonly IPAddress Loopback6 = IPAddress.IPv6Loopback;

    private sealed record Received(byte[] Data, UdpEndpoint Endpoint);

    [RootTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task IPv4BatchArrivesWithSenderAndLocalAddress(bool multiMessage)
    {
        using var ns = new NetNs();
        using UdpBind bind = ns.Run(() => UdpBind.Open(0));
        bind.UseMultiMessage = multiMessage;
        using Socket peer = ns.Run(() => PeerSocket(new IPEndPoint(IPAddress.Loopback, 0)));

        for (byte i = 0; i < 5; i++)
        {
            peer.SendTo(new byte[] { i, i, i }, new IPEndPoint(IPAddress.Loopback, bind.Port));
        }
        var (received, calls) = await ReceiveAsync(bind, AddressFamily.InterNetwork, 5);

        Assert.Equal(1, calls); // all five queued datagrams came back from one Receive
        UdpEndpoint sender = UdpEndpoint.FromIPEndPoint((IPEndPoint)peer.LocalEndPoint!);
        for (byte i = 0; i < 5; i++)
        {
            Assert.Equal(new byte[] { i, i, i }, received[i].Data);
            Assert.Equal(sender, received[i].Endpoint);
            Assert.Equal(IPAddress.Loopback, received[i].Endpoint.SourceAddress);
            Assert.Equal(1, received[i].Endpoint.SourceInterfaceIndex); // lo
        }
    }

    [RootTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task IPv6BatchArrivesWithSenderAndLocalAddress(bool multiMessage)
    {
        using var ns = new NetNs();
        using UdpBind bind = ns.Run(() => UdpBind.Open(0));
        bind.UseMultiMessage = multiMessage;
        Assert.True(bind.Supports(AddressFamily.InterNetworkV6));
        using Socket peer = ns.Run(() => PeerSocket(new IPEndPoint(Loopback6, 0)));

        for (byte i = 0; i < 4; i++)
        {
            peer.SendTo(new byte[] { 6, i }, new IPEndPoint(Loopback6, bind.Port));
        }
        var (received, calls) = await ReceiveAsync(bind, AddressFamily.InterNetworkV6, 4);

        Assert.Equal(1, calls);
        UdpEndpoint sender = UdpEndpoint.FromIPEndPoint((IPEndPoint)peer.LocalEndPoint!);
        Assert.Equal($"[::1]:{sender.Port}", received[0].Endpoint.ToString());
        for (byte i = 0; i < 4; i++)
        {
            Assert.Equal(new byte[] { 6, i }, received[i].Data);
            Assert.Equal(sender, received[i].Endpoint);
            Assert.Equal(Loopback6, received[i].Endpoint.SourceAddress);
            Assert.Equal(1, received[i].Endpoint.SourceInterfaceIndex);
        }
    }

    [RootTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void BatchIsSentToOneEndpoint(bool multiMessage)
    {
        using var ns = new NetNs();
        using UdpBind bind = ns.Run(() => UdpBind.Open(0));
        bind.UseMultiMessage = multiMessage;
        using Socket peer4 = ns.Run(() => PeerSocket(new IPEndPoint(IPAddress.Loopback, 0)));
        using Socket peer6 = ns.Run(() => PeerSocket(new IPEndPoint(Loopback6, 0)));

        foreach (Socket peer in new[] { peer4, peer6 })
        {
            byte[][] buffers = Enumerable.Range(0, 6).Select(i => Enumerable.Repeat((byte)i, 100).ToArray()).ToArray();
            int[] sizes = [10, 20, 30, 40, 50, 60];
            UdpEndpoint to = UdpEndpoint.FromIPEndPoint((IPEndPoint)peer.LocalEndPoint!);
            UdpSendResult result = bind.Send(buffers, sizes, 5, offset: 16, ref to);
            Assert.Equal(new UdpSendResult(5, 0), result);

            byte[] datagram = new byte[200];
            for (int i = 0; i < 5; i++)
            {
                EndPoint from = new IPEndPoint(peer.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
                int length = peer.ReceiveFrom(datagram, ref from);
                Assert.Equal(sizes[i], length);
                Assert.All(datagram.AsSpan(0, length).ToArray(), b => Assert.Equal(i, b));
                Assert.Equal(bind.Port, ((IPEndPoint)from).Port);
            }
        }
    }

    [RootFact]
    public void IPv4MappedEndpointIsSentThroughTheIPv4Socket()
    {
        using var ns = new NetNs();
        using UdpBind bind = ns.Run(() => UdpBind.Open(0));
        using Socket peer = ns.Run(() => PeerSocket(new IPEndPoint(IPAddress.Loopback, 0)));
        UdpEndpoint mapped = UdpEndpoint.Parse($"[::ffff:127.0.0.1]:{((IPEndPoint)peer.LocalEndPoint!).Port}");

        Assert.True(bind.Send([new byte[] { 42 }], [1], 1, 0, ref mapped).Succeeded);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, bind.Port), ReceiveFrom(peer));
    }

    [RootTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task SendsLargerThanOneBatchAreSplit(bool multiMessage)
    {
        using var ns = new NetNs();
        using UdpBind sender = ns.Run(() => UdpBind.Open(0));
        using UdpBind receiver = ns.Run(() => UdpBind.Open(0));
        sender.UseMultiMessage = multiMessage;
        const int Count = 3 * UdpBind.MaxBatchSize + 5;
        byte[][] buffers = Enumerable.Range(0, Count).Select(i => BitConverter.GetBytes(i)).ToArray();
        int[] sizes = Enumerable.Repeat(4, Count).ToArray();
        UdpEndpoint to = UdpEndpoint.Parse($"127.0.0.1:{receiver.Port}");

        Assert.Equal(new UdpSendResult(Count, 0), sender.Send(buffers, sizes, Count, 0, ref to));
        var (received, _) = await ReceiveAsync(receiver, AddressFamily.InterNetwork, Count);
        Assert.Equal(Enumerable.Range(0, Count), received.Select(r => BitConverter.ToInt32(r.Data)));
    }

    [RootFact]
    public async Task PortZeroGivesTheSamePortForIPv4AndIPv6()
    {
        using var ns = new NetNs();
        using UdpBind bind = ns.Run(() => UdpBind.Open(0));
        Assert.NotEqual(0, bind.Port);
        using Socket peer4 = ns.Run(() => PeerSocket(new IPEndPoint(IPAddress.Loopback, 0)));
        using Socket peer6 = ns.Run(() => PeerSocket(new IPEndPoint(Loopback6, 0)));

        peer4.SendTo(new byte[] { 4 }, new IPEndPoint(IPAddress.Loopback, bind.Port));
        peer6.SendTo(new byte[] { 6 }, new IPEndPoint(Loopback6, bind.Port));

        Assert.Equal(new byte[] { 4 }, (await ReceiveAsync(bind, AddressFamily.InterNetwork, 1)).Received[0].Data);
        Assert.Equal(new byte[] { 6 }, (await ReceiveAsync(bind, AddressFamily.InterNetworkV6, 1)).Received[0].Data);
    }

    [RootFact]
    public void ExplicitPortIsBoundForBothFamilies()
    {
        using var ns = new NetNs();
        using UdpBind bind = ns.Run(() => UdpBind.Open(51820));
        Assert.Equal(51820, bind.Port);
        string sockets = ns.Exec(Patience, "ss", "-Hlun").Output;
        Assert.Contains("0.0.0.0:51820", sockets);
        Assert.Contains("[::]:51820", sockets);
    }

    [RootFact]
    public void PortInUseIsAUdpBindExceptionWithErrno98()
    {
        using var ns = new NetNs();
        using Socket holder4 = ns.Run(() => PeerSocket(new IPEndPoint(IPAddress.Any, 0)));
        int port4 = ((IPEndPoint)holder4.LocalEndPoint!).Port;
        var error = Assert.Throws<UdpBindException>(() => ns.Run(() => UdpBind.Open((ushort)port4)));
        Assert.Equal(98, error.Errno);
        Assert.Contains("in use", error.Message);

        // Taken for IPv6 only: the IPv4 socket binds, the IPv6 one fails, and nothing is left bound.
        using Socket holder6 = ns.Run(() => PeerSocket(new IPEndPoint(IPAddress.IPv6Any, 0)));
        int port6 = ((IPEndPoint)holder6.LocalEndPoint!).Port;
        error = Assert.Throws<UdpBindException>(() => ns.Run(() => UdpBind.Open((ushort)port6)));
        Assert.Equal(98, error.Errno);
        Assert.DoesNotContain($"0.0.0.0:{port6} ", ns.Exec(Patience, "ss", "-Hlun").Output);

        using UdpBind first = ns.Run(() => UdpBind.Open(0));
        Assert.Equal(98, Assert.Throws<UdpBindException>(() => ns.Run(() => UdpBind.Open(first.Port))).Errno);
    }

    [RootTheory]
    [InlineData("10.78.0.1", "10.78.0.2", "10.78.0.9")]
    [InlineData("fd00:78::1", "fd00:78::2", "fd00:78::9")]
    public async Task RepliesLeaveFromTheAddressThePeerContacted(string first, string second, string peerText)
    {
        using var ns = new NetNs();
        int prefix = first.Contains(':') ? 128 : 32;
        string[] extra = prefix == 128 ? ["nodad"] : [];
        foreach (string address in new[] { first, second, peerText })
        {
            ns.Ip(["addr", "add", $"{address}/{prefix}", "dev", "lo", .. extra]);
        }
        using UdpBind bind = ns.Run(() => UdpBind.Open(0));
        IPAddress peerAddress = IPAddress.Parse(peerText);
        using Socket peer = ns.Run(() => PeerSocket(new IPEndPoint(peerAddress, 7000)));
        AddressFamily family = peerAddress.AddressFamily;

        foreach (IPAddress contacted in new[] { IPAddress.Parse(first), IPAddress.Parse(second) })
        {
            peer.SendTo(new byte[] { 1 }, new IPEndPoint(contacted, bind.Port));
            UdpEndpoint endpoint = (await ReceiveAsync(bind, family, 1)).Received[0].Endpoint;
            Assert.Equal(contacted, endpoint.SourceAddress);
            Assert.Equal(1, endpoint.SourceInterfaceIndex);

            Assert.True(bind.Send([new byte[] { 2 }], [1], 1, 0, ref endpoint).Succeeded);
            Assert.Equal(contacted, ReceiveFrom(peer).Address);
        }

        // Without the sticky source the kernel picks the peer's own address for this local route, which shows
        // that the replies above were steered by PKTINFO.
        UdpEndpoint plain = UdpEndpoint.FromIPEndPoint(new IPEndPoint(peerAddress, 7000));
        Assert.True(bind.Send([new byte[] { 3 }], [1], 1, 0, ref plain).Succeeded);
        Assert.Equal(peerAddress, ReceiveFrom(peer).Address);
    }

    [RootTheory]
    [InlineData("10.78.0.2", "10.78.0.9")]
    [InlineData("fd00:78::2", "fd00:78::9")]
    public async Task VanishedStickySourceIsClearedAndTheSendRetried(string contactedText, string peerText)
    {
        using var ns = new NetNs();
        int prefix = contactedText.Contains(':') ? 128 : 32;
        string[] extra = prefix == 128 ? ["nodad"] : [];
        ns.Ip(["addr", "add", $"{contactedText}/{prefix}", "dev", "lo", .. extra]);
        ns.Ip(["addr", "add", $"{peerText}/{prefix}", "dev", "lo", .. extra]);
        using UdpBind bind = ns.Run(() => UdpBind.Open(0));
        IPAddress peerAddress = IPAddress.Parse(peerText);
        using Socket peer = ns.Run(() => PeerSocket(new IPEndPoint(peerAddress, 7001)));

        peer.SendTo(new byte[] { 1 }, new IPEndPoint(IPAddress.Parse(contactedText), bind.Port));
        UdpEndpoint endpoint = (await ReceiveAsync(bind, peerAddress.AddressFamily, 1)).Received[0].Endpoint;
        Assert.True(endpoint.HasSource);

        ns.Ip("addr", "del", $"{contactedText}/{prefix}", "dev", "lo");

        UdpSendResult result = bind.Send([new byte[] { 2 }], [1], 1, 0, ref endpoint);
        Assert.True(result.Succeeded, result.Describe());
        Assert.False(endpoint.HasSource);
        Assert.Equal(peerAddress, ReceiveFrom(peer).Address);
    }

    [RootTheory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DatagramsLargerThanTheBufferAreDropped(bool multiMessage)
    {
        using var ns = new NetNs();
        using UdpBind bind = ns.Run(() => UdpBind.Open(0));
        bind.UseMultiMessage = multiMessage;
        using Socket peer = ns.Run(() => PeerSocket(new IPEndPoint(IPAddress.Loopback, 0)));
        peer.SendTo(new byte[200], new IPEndPoint(IPAddress.Loopback, bind.Port));
        peer.SendTo(new byte[] { 7, 7, 7 }, new IPEndPoint(IPAddress.Loopback, bind.Port));

        var (received, _) = await ReceiveAsync(bind, AddressFamily.InterNetwork, 1, bufferSize: 100);
        Assert.Single(received);
        Assert.Equal(new byte[] { 7, 7, 7 }, received[0].Data);
    }

    [RootFact]
    public void OversizedDatagramIsSkippedAndTheRestOfTheBatchSent()
    {
        using var ns = new NetNs();
        using UdpBind bind = ns.Run(() => UdpBind.Open(0));
        using Socket peer = ns.Run(() => PeerSocket(new IPEndPoint(IPAddress.Loopback, 0)));
        UdpEndpoint to = UdpEndpoint.FromIPEndPoint((IPEndPoint)peer.LocalEndPoint!);

        // 65508 bytes exceed the IPv4 UDP maximum of 65535 - 20 - 8.
        byte[][] buffers = [new byte[10], new byte[65508], new byte[10]];
        buffers[0][0] = 1;
        buffers[2][0] = 3;
        UdpSendResult result = bind.Send(buffers, [10, 65508, 10], 3, 0, ref to);
        Assert.Equal(new UdpSendResult(2, 90), result); // EMSGSIZE
        Assert.Equal(1, ReceiveByte(peer));
        Assert.Equal(3, ReceiveByte(peer));
    }

    [RootFact]
    public async Task CloseWakesABlockedReceiver()
    {
        using var ns = new NetNs();
        UdpBind bind = ns.Run(() => UdpBind.Open(0));
        try
        {
            var receivers = new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 }
                .Select(family => Task.Factory.StartNew(
                    () => bind.Receive(family, [new byte[2000]], new int[1], new UdpEndpoint[1], 0),
                    TaskCreationOptions.LongRunning))
                .ToArray();
            await Task.Delay(200);
            Assert.All(receivers, r => Assert.False(r.IsCompleted));
            bind.Close();
            Assert.Equal(new[] { 0, 0 }, await Task.WhenAll(receivers).WaitAsync(Patience));

            UdpEndpoint to = UdpEndpoint.Parse("127.0.0.1:9");
            Assert.Equal(9, bind.Send([new byte[1]], [1], 1, 0, ref to).Errno); // EBADF after Close
        }
        finally
        {
            bind.Dispose();
        }
    }

    [RootFact]
    public void MarkSteersPolicyRouting()
    {
        using var ns = new NetNs();
        // Unmarked, 10.79.0.0/24 goes out lo (and is dropped there, silently); marked, table 51 refuses it.
        ns.Ip("route", "add", "10.79.0.0/24", "dev", "lo");
        ns.Ip("rule", "add", "fwmark", "0x51", "lookup", "51", "pref", "100");
        ns.Ip("route", "add", "unreachable", "10.79.0.0/24", "table", "51");
        using UdpBind bind = ns.Run(() => UdpBind.Open(0));
        UdpEndpoint to = UdpEndpoint.Parse("10.79.0.5:9");

        Assert.True(bind.Send([new byte[1]], [1], 1, 0, ref to).Succeeded);
        bind.SetMark(0x51);
        Assert.Equal(113, bind.Send([new byte[1]], [1], 1, 0, ref to).Errno); // EHOSTUNREACH via table 51
        bind.SetMark(0);
        Assert.True(bind.Send([new byte[1]], [1], 1, 0, ref to).Succeeded);
    }

    [RootFact]
    public void MarkWithoutPrivilegeIsExplained()
    {
        using var ns = new NetNs();
        using UdpBind bind = ns.Run(() => UdpBind.Open(0));
        var error = Assert.Throws<UdpBindException>(() => ns.Run(() =>
        {
            TestLibC.DropEffectiveCapabilities(TestLibC.CAP_NET_ADMIN, TestLibC.CAP_NET_RAW);
            bind.SetMark(0x51);
        }));
        Assert.Equal(1, error.Errno); // EPERM
        Assert.Contains("CAP_NET_ADMIN", error.Message);
    }

    private static Socket PeerSocket(IPEndPoint local)
    {
        var socket = new Socket(local.AddressFamily, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
        if (local.AddressFamily == AddressFamily.InterNetworkV6)
        {
            socket.DualMode = false;
        }
        socket.Bind(local);
        return socket;
    }

    private static IPEndPoint ReceiveFrom(Socket socket)
    {
        byte[] buffer = new byte[100];
        EndPoint from = new IPEndPoint(socket.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);
        socket.ReceiveFrom(buffer, ref from);
        return (IPEndPoint)from;
    }

    private static byte ReceiveByte(Socket socket)
    {
        byte[] buffer = new byte[100];
        socket.Receive(buffer);
        return buffer[0];
    }

    /// <summary>Receives until <paramref name="expected"/> datagrams arrived; also returns how many Receive calls it took.</summary>
    private static async Task<(List<Received> Received, int Calls)> ReceiveAsync(UdpBind bind, AddressFamily family,
        int expected, int bufferSize = 2048)
    {
        var task = Task.Factory.StartNew(() =>
        {
            const int Offset = 16;
            byte[][] buffers = Enumerable.Range(0, 16).Select(_ => new byte[Offset + bufferSize]).ToArray();
            int[] sizes = new int[16];
            var endpoints = new UdpEndpoint[16];
            var received = new List<Received>();
            int calls = 0;
            while (received.Count < expected)
            {
                int count = bind.Receive(family, buffers, sizes, endpoints, Offset);
                calls++;
                if (count == 0)
                {
                    throw new InvalidOperationException("bind closed");
                }
                for (int i = 0; i < count; i++)
                {
                    received.Add(new Received(buffers[i].AsSpan(Offset, sizes[i]).ToArray(), endpoints[i]));
                }
            }
            return (received, calls);
        }, TaskCreationOptions.LongRunning);
        return await task.WaitAsync(Patience);
    }
}
