// InMemoryUdpNetwork/InMemoryUdpBind deliver datagrams between binds the way UdpBind does between hosts.
using System.Net;
using System.Net.Sockets;
using WgSharp.Tun.InMemory;

namespace WgSharp.Tun.Tests.InMemory;

public class InMemoryUdpTests
{
    private static readonly IPAddress A4 = IPAddress.Parse("192.0.2.1");
    private static readonly IPAddress B4 = IPAddress.Parse("192.0.2.2");
    private static readonly IPAddress A6 = IPAddress.Parse("2001:db8::a");
    private static readonly IPAddress B6 = IPAddress.Parse("2001:db8::b");

    private static (byte[][] Buffers, int[] Sizes, UdpEndpoint[] Endpoints) Batch(int count) =>
        (Enumerable.Range(0, count).Select(_ => new byte[2048]).ToArray(), new int[count], new UdpEndpoint[count]);

    private static UdpEndpoint EndpointOf(IPAddress address, ushort port) =>
        UdpEndpoint.FromIPEndPoint(new IPEndPoint(address, port));

    [Fact]
    public void BatchArrivesWithSenderAsRemoteAndReceiverAsStickySource()
    {
        var network = new InMemoryUdpNetwork();
        using InMemoryUdpBind a = network.Bind(A4, A6, 51820);
        using InMemoryUdpBind b = network.Bind(B4, B6);

        byte[][] datagrams = [[1, 2, 3], [4, 5], [6]];
        UdpEndpoint toB = EndpointOf(B4, b.Port);
        UdpSendResult result = a.Send(datagrams, [3, 2, 1], 3, 0, ref toB);
        Assert.Equal(new UdpSendResult(3, 0), result);

        var (buffers, sizes, endpoints) = Batch(8);
        Assert.Equal(3, b.Receive(AddressFamily.InterNetwork, buffers, sizes, endpoints, 16));
        Assert.Equal(new byte[] { 4, 5 }, buffers[1].AsSpan(16, sizes[1]).ToArray());
        Assert.Equal(EndpointOf(A4, 51820), endpoints[0]);
        Assert.True(endpoints[0].HasSource);
        Assert.Equal(B4, endpoints[0].SourceAddress);
        Assert.Equal(InMemoryUdpBind.InterfaceIndex, endpoints[0].SourceInterfaceIndex);

        // Replying to the received endpoint reaches the sender.
        UdpEndpoint back = endpoints[0];
        Assert.True(b.Send([[9]], [1], 1, 0, ref back).Succeeded);
        Assert.True(back.HasSource);
        Assert.Equal(1, a.Receive(AddressFamily.InterNetwork, buffers, sizes, endpoints, 0));
        Assert.Equal(EndpointOf(B4, b.Port), endpoints[0]);
    }

    [Fact]
    public void IPv6DatagramsGoToTheIPv6Receiver()
    {
        var network = new InMemoryUdpNetwork();
        using InMemoryUdpBind a = network.Bind(A4, A6);
        using InMemoryUdpBind b = network.Bind(null, B6);
        Assert.False(b.Supports(AddressFamily.InterNetwork));
        Assert.True(b.Supports(AddressFamily.InterNetworkV6));

        UdpEndpoint toB = EndpointOf(B6, b.Port);
        Assert.True(a.Send([[7, 7]], [2], 1, 0, ref toB).Succeeded);
        var (buffers, sizes, endpoints) = Batch(2);
        Assert.Equal(1, b.Receive(AddressFamily.InterNetworkV6, buffers, sizes, endpoints, 0));
        Assert.Equal(EndpointOf(A6, a.Port), endpoints[0]);
        Assert.Equal(B6, endpoints[0].SourceAddress);
    }

    [Fact]
    public void SendingToAFamilyWithoutAddressFails()
    {
        var network = new InMemoryUdpNetwork();
        using InMemoryUdpBind a = network.Bind(A4, null);
        UdpEndpoint to = EndpointOf(B6, 1);
        Assert.Equal(97, a.Send([[1]], [1], 1, 0, ref to).Errno); // EAFNOSUPPORT
    }

    [Fact]
    public void TakenPortFailsWithAddressInUse()
    {
        var network = new InMemoryUdpNetwork();
        using InMemoryUdpBind a = network.Bind(A4, null, 4000);
        var error = Assert.Throws<UdpBindException>(() => network.Bind(A4, A6, 4000));
        Assert.Equal(98, error.Errno);
        using InMemoryUdpBind other = network.Bind(B4, null, 4000); // another address may use the port
        using InMemoryUdpBind picked = network.Bind(A4, null);
        Assert.NotEqual(a.Port, picked.Port);
    }

    [Fact]
    public async Task ClosedBindReleasesItsPortAndWakesItsReceiver()
    {
        var network = new InMemoryUdpNetwork();
        InMemoryUdpBind a = network.Bind(A4, null, 4001);
        var (buffers, sizes, endpoints) = Batch(1);
        var receiver = Task.Factory.StartNew(() => a.Receive(AddressFamily.InterNetwork, buffers, sizes, endpoints, 0),
            TaskCreationOptions.LongRunning);
        Thread.Sleep(100);
        Assert.False(receiver.IsCompleted);
        a.Close();
        Assert.Equal(0, await receiver.WaitAsync(TimeSpan.FromSeconds(5)));
        using InMemoryUdpBind again = network.Bind(A4, null, 4001);
    }

    [Fact]
    public void DatagramsToNobodyOrFilteredAreLost()
    {
        var network = new InMemoryUdpNetwork();
        using InMemoryUdpBind a = network.Bind(A4, null);
        using InMemoryUdpBind b = network.Bind(B4, null);
        UdpEndpoint nobody = EndpointOf(B4, 1);
        Assert.True(a.Send([[1]], [1], 1, 0, ref nobody).Succeeded); // UDP does not know
        Assert.Equal(1, network.Lost);

        network.Filter = (from, to) => false;
        UdpEndpoint toB = EndpointOf(B4, b.Port);
        a.Send([[1]], [1], 1, 0, ref toB);
        Assert.Equal(2, network.Lost);
    }

    [Fact]
    public void ForeignStickySourceIsClearedAndTheSendStillGoesOut()
    {
        var network = new InMemoryUdpNetwork();
        using InMemoryUdpBind a = network.Bind(A4, null);
        using InMemoryUdpBind b = network.Bind(B4, null);
        UdpEndpoint toB = EndpointOf(B4, b.Port).WithSource([203, 0, 113, 1], 5);
        Assert.True(a.Send([[1]], [1], 1, 0, ref toB).Succeeded);
        Assert.False(toB.HasSource);
        var (buffers, sizes, endpoints) = Batch(1);
        Assert.Equal(1, b.Receive(AddressFamily.InterNetwork, buffers, sizes, endpoints, 0));
        Assert.Equal(EndpointOf(A4, a.Port), endpoints[0]);
    }

    [Fact]
    public void MarkIsRemembered()
    {
        var network = new InMemoryUdpNetwork();
        using InMemoryUdpBind a = network.Bind(A4, null);
        a.SetMark(0x51);
        Assert.Equal(0x51u, a.Mark);
    }
}
