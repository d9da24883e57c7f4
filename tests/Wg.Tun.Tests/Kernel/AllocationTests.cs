// The data paths allocate nothing per batch: measured with GC.GetAllocatedBytesForCurrentThread after warm-up.
using System.Net.Sockets;
using WgSharp.Tun.Tests.Support;
using static WgSharp.Tun.Tests.Kernel.TunTestKit;

namespace WgSharp.Tun.Tests.Kernel;

public class AllocationTests
{
    private const int Batch = 8;

    [RootTheory]
    [InlineData(true)]
    [InlineData(false)]
    public void UdpSendAndReceiveAllocateNothing(bool multiMessage)
    {
        using var ns = new NetNs();
        long allocated = ns.Run(() =>
        {
            using UdpBind bind = UdpBind.Open(0);
            bind.UseMultiMessage = multiMessage;
            byte[][] buffers = Enumerable.Range(0, Batch).Select(_ => new byte[2048]).ToArray();
            int[] sizes = Enumerable.Repeat(100, Batch).ToArray();
            var endpoints = new UdpEndpoint[Batch];
            UdpEndpoint self = UdpEndpoint.Parse($"127.0.0.1:{bind.Port}");

            void RoundTrip()
            {
                UdpSendResult result = bind.Send(buffers, sizes, Batch, 16, ref self);
                if (!result.Succeeded)
                {
                    throw new InvalidOperationException(result.Describe());
                }
                int received = 0;
                while (received < Batch)
                {
                    received += bind.Receive(AddressFamily.InterNetwork, buffers, sizes, endpoints, 16);
                }
                self = endpoints[0]; // reply the way the device would: to the learned endpoint, sticky source set
            }

            RoundTrip();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++)
            {
                RoundTrip();
            }
            return GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Assert.Equal(0, allocated);
    }

    [RootFact]
    public void TunReadAndWriteAllocateNothing()
    {
        using var ns = new NetNs();
        using TunDevice tun = ns.Run(() => TunDevice.Create(UniqueName()));
        Configure(ns, tun.Name);
        long allocated = ns.Run(() =>
        {
            // UdpBind (itself allocation-free) makes the kernel route datagrams into the TUN for us to read.
            using UdpBind bind = UdpBind.Open(0);
            byte[][] buffers = Enumerable.Range(0, Batch).Select(_ => new byte[16 + 65535]).ToArray();
            int[] sizes = Enumerable.Repeat(64, Batch).ToArray();
            UdpEndpoint peer = UdpEndpoint.Parse($"{PeerAddress}:9");

            void RoundTrip()
            {
                Array.Fill(sizes, 64);
                bind.Send(buffers, sizes, Batch, 16, ref peer);
                int datagrams = 0;
                while (datagrams < Batch)
                {
                    int count = tun.Read(buffers, sizes, 16);
                    for (int i = 0; i < count; i++)
                    {
                        datagrams += buffers[i][16] >> 4 == 4 ? 1 : 0;
                    }
                    tun.Write(buffers, sizes, count, 16); // addressed to 10.77.0.2: the kernel drops them
                }
            }

            RoundTrip();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 50; i++)
            {
                RoundTrip();
            }
            return GC.GetAllocatedBytesForCurrentThread() - before;
        });
        Assert.Equal(0, allocated);
    }
}
