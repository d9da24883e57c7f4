// UDP GSO and GRO against the real kernel, inside a private network namespace: batches sent as GSO messages,
// coalesced receives cut back into the original datagrams, and the fallbacks when the kernel refuses.
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.Tests.Support;
using static WgSharp.Tun.Tests.Kernel.TunTestKit;

namespace WgSharp.Tun.Tests.Kernel;

public class UdpOffloadTests
{
    [RootTheory]
    [InlineData("127.0.0.1", true)]
    [InlineData("::1", true)]
    [InlineData("127.0.0.1", false)]
    public async Task GsoBatchArrivesThroughGroAsTheOriginalDatagramsInOrder(string address, bool multiMessage)
    {
        using var ns = new NetNs();
        using UdpBind sender = ns.Run(() => UdpBind.Open(0, offloads: true));
        using UdpBind receiver = ns.Run(() => UdpBind.Open(0, offloads: true));
        sender.UseMultiMessage = multiMessage;
        receiver.UseMultiMessage = multiMessage;
        Assert.True(sender.SegmentationOffload);
        AddressFamily family = IPAddress.Parse(address).AddressFamily;
        Assert.True(receiver.ReceiveOffload(family));

        // 100 datagrams of 1400 bytes, then 3 of 700 and one of 100: runs of equal size with short ends.
        int[] lengths = [.. Enumerable.Repeat(1400, 100), 700, 700, 700, 100];
        byte[][] buffers = lengths.Select((n, i) => Enumerable.Range(0, 16 + n).Select(b => (byte)(i + b)).ToArray()).ToArray();
        UdpEndpoint to = UdpEndpoint.Parse(family == AddressFamily.InterNetwork ? $"127.0.0.1:{receiver.Port}" : $"[::1]:{receiver.Port}");

        Assert.Equal(new UdpSendResult(lengths.Length, 0), sender.Send(buffers, lengths, lengths.Length, 16, ref to));
        Assert.True(sender.GsoMessagesSent >= 3, $"{sender.GsoMessagesSent} GSO messages");

        List<byte[]> received = await ReceiveAsync(receiver, family, lengths.Length);
        Assert.True(receiver.GroReceives >= 1, "no coalesced receive");
        for (int i = 0; i < lengths.Length; i++)
        {
            Assert.Equal(buffers[i].AsSpan(16, lengths[i]).ToArray(), received[i]);
        }
    }

    [RootFact]
    public void GsoToAPlainSocketArrivesAsSeparateDatagrams()
    {
        using var ns = new NetNs();
        using UdpBind sender = ns.Run(() => UdpBind.Open(0, offloads: true));
        using Socket peer = ns.Run(() =>
        {
            var s = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 10_000 };
            s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            return s;
        });
        byte[][] buffers = Enumerable.Range(0, 10).Select(i => Enumerable.Repeat((byte)i, 500).ToArray()).ToArray();
        int[] sizes = Enumerable.Repeat(500, 10).ToArray();
        UdpEndpoint to = UdpEndpoint.FromIPEndPoint((IPEndPoint)peer.LocalEndPoint!);
        Assert.Equal(new UdpSendResult(10, 0), sender.Send(buffers, sizes, 10, 0, ref to));
        Assert.Equal(1, sender.GsoMessagesSent);
        byte[] datagram = new byte[2000];
        for (int i = 0; i < 10; i++)
        {
            Assert.Equal(500, peer.Receive(datagram));
            Assert.Equal(i, datagram[0]);
        }
    }

    [RootFact]
    public async Task SegmentsLargerThanThePathMtuFallBackToPlainSendsAndAreNotOfferedToGsoAgain()
    {
        using var ns = new NetNs();
        ns.Ip("link", "set", "lo", "mtu", "1500");
        using UdpBind sender = ns.Run(() => UdpBind.Open(0, offloads: true));
        using UdpBind receiver = ns.Run(() => UdpBind.Open(0, offloads: true));
        UdpEndpoint to = UdpEndpoint.Parse($"127.0.0.1:{receiver.Port}");
        byte[][] buffers = Enumerable.Range(0, 3).Select(i => Enumerable.Repeat((byte)(i + 1), 2000).ToArray()).ToArray();
        int[] sizes = [2000, 2000, 2000];

        // The kernel refuses a GSO segment above the MTU (EINVAL); plain sends are fragmented and arrive.
        Assert.Equal(new UdpSendResult(3, 0), sender.Send(buffers, sizes, 3, 0, ref to));
        Assert.Equal(2000, sender.GsoRefusedSize);
        Assert.Equal(0, sender.GsoMessagesSent);
        Assert.True(sender.SegmentationOffload); // still on for smaller segments

        Assert.Equal(new UdpSendResult(3, 0), sender.Send(buffers, sizes, 3, 0, ref to));
        int[] small = [1000, 1000, 1000];
        Assert.Equal(new UdpSendResult(3, 0), sender.Send(buffers, small, 3, 0, ref to));
        Assert.Equal(1, sender.GsoMessagesSent);

        List<byte[]> received = await ReceiveAsync(receiver, AddressFamily.InterNetwork, 9);
        Assert.Equal([2000, 2000, 2000, 2000, 2000, 2000, 1000, 1000, 1000], received.Select(r => r.Length));
        Assert.Equal([1, 2, 3, 1, 2, 3, 1, 2, 3], received.Select(r => (int)r[0]));
    }

    [RootFact]
    public void OffloadsOffMeansNeitherGsoNorGro()
    {
        using var ns = new NetNs();
        using UdpBind bind = ns.Run(() => UdpBind.Open(0, offloads: false));
        Assert.False(bind.SegmentationOffload);
        Assert.False(bind.ReceiveOffload(AddressFamily.InterNetwork));
        UdpEndpoint to = UdpEndpoint.Parse($"127.0.0.1:{bind.Port}");
        byte[][] buffers = [new byte[100], new byte[100]];
        Assert.Equal(new UdpSendResult(2, 0), bind.Send(buffers, [100, 100], 2, 0, ref to));
        Assert.Equal(0, bind.GsoMessagesSent);
    }

    private static async Task<List<byte[]>> ReceiveAsync(UdpBind bind, AddressFamily family, int expected)
    {
        var task = Task.Factory.StartNew(() =>
        {
            byte[][] buffers = Enumerable.Range(0, 8).Select(_ => new byte[16 + 2048]).ToArray();
            int[] sizes = new int[8];
            var endpoints = new UdpEndpoint[8];
            var received = new List<byte[]>();
            while (received.Count < expected)
            {
                int count = bind.Receive(family, buffers, sizes, endpoints, 16);
                if (count == 0)
                {
                    throw new InvalidOperationException("bind closed");
                }
                received.AddRange(Enumerable.Range(0, count).Select(i => buffers[i].AsSpan(16, sizes[i]).ToArray()));
            }
            return received;
        }, TaskCreationOptions.LongRunning);
        return await task.WaitAsync(Patience);
    }
}
