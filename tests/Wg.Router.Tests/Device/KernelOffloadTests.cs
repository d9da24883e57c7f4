// The whole device over the real kernel with offloads: two WireGuardDevices on TUNs in two namespaces joined by a
// veth pair, a TCP stream between them, checked byte for byte, and every offload seen doing its part.
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Router.Device;
using WgSharp.Tun;
using WgSharp.Tun.Offload;

namespace WgSharp.Router.Tests.Device;

public class KernelOffloadTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public sealed class RootFactAttribute : FactAttribute
    {
        public RootFactAttribute()
        {
            if (!KernelNamespace.Available)
            {
                Skip = "needs root and iproute2 (creates network namespaces)";
            }
        }
    }

    private sealed class End : IDisposable
    {
        public End(KernelNamespace ns, string name)
        {
            Namespace = ns;
            Tun = ns.Enter(() => TunDevice.Create(name, TunDevice.DefaultDevicePath, offloads: true));
            Device = new WireGuardDevice(Tun, port => Bind = UdpBind.Open(port, offloads: true), NullLogger.Instance);
            ns.Enter(() =>
            {
                Device.Start(51820); // the sockets are opened here, inside the namespace
                return 0;
            });
        }

        public KernelNamespace Namespace { get; }

        public TunDevice Tun { get; }

        public UdpBind? Bind { get; private set; }

        public WireGuardDevice Device { get; }

        public PrivateKey Key { get; } = PrivateKey.Generate(SystemRandomSource.Instance);

        public void Dispose()
        {
            Device.Dispose();
            Key.Dispose();
        }
    }

    [RootFact]
    public async Task TcpStreamCrossesTheOffloadedPipelineIntact()
    {
        using var nsA = new KernelNamespace();
        using var nsB = new KernelNamespace();
        string veth = $"wgdv{Environment.ProcessId % 100000}";
        nsA.Ip("link", "add", veth + "a", "type", "veth", "peer", "name", veth + "b");
        nsA.Ip("link", "set", veth + "b", "netns", nsB.Name);
        nsA.Ip("addr", "add", "192.0.2.1/24", "dev", veth + "a");
        nsB.Ip("addr", "add", "192.0.2.2/24", "dev", veth + "b");
        nsA.Ip("link", "set", veth + "a", "up");
        nsB.Ip("link", "set", veth + "b", "up");

        using var a = new End(nsA, "wgdva0");
        using var b = new End(nsB, "wgdvb0");
        Assert.True(a.Tun.Offloads.HasFlag(TunOffloads.Tcp));
        DevicePair.Configure(a.Device, a.Key, b.Key.ComputePublicKey(), new IPEndPoint(IPAddress.Parse("192.0.2.2"), 51820), "10.66.0.2/32");
        DevicePair.Configure(b.Device, b.Key, a.Key.ComputePublicKey(), new IPEndPoint(IPAddress.Parse("192.0.2.1"), 51820), "10.66.0.1/32");
        foreach ((End end, string address) in new[] { (a, "10.66.0.1/24"), (b, "10.66.0.2/24") })
        {
            end.Namespace.Ip("addr", "add", address, "dev", end.Tun.Name);
            end.Namespace.Ip("link", "set", end.Tun.Name, "mtu", "1420", "up");
        }

        byte[] data = new byte[16 << 20];
        Random.Shared.NextBytes(data);
        using Socket listener = nsB.Enter(() =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse("10.66.0.2"), 5201));
            socket.Listen();
            return socket;
        });
        Task<byte[]> received = Task.Run(async () =>
        {
            using Socket server = await listener.AcceptAsync();
            using var stream = new NetworkStream(server);
            return await SHA256.HashDataAsync(stream);
        });
        Task sent = Task.Run(() => nsA.Enter(() =>
        {
            using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            client.Connect(new IPEndPoint(IPAddress.Parse("10.66.0.2"), 5201)); // the first packet waits for the handshake
            client.Send(data);
            client.Shutdown(SocketShutdown.Send);
            return 0;
        }));

        await sent.WaitAsync(Patience);
        Assert.Equal(SHA256.HashData(data), await received.WaitAsync(Patience));

        // Each offload did its part: TSO super-packets cut at A, sent as GSO, received coalesced at B, written coalesced.
        Assert.True(a.Tun.SuperPacketsRead > 0, "A read no super-packet");
        Assert.True(a.Bind!.GsoMessagesSent > 0, "A sent no GSO message");
        Assert.True(b.Bind!.GroReceives > 0, "B received nothing coalesced");
        Assert.True(b.Tun.SuperPacketsWritten > 0, "B wrote no super-packet");
        Assert.Equal(0, a.Tun.DroppedReads);
        Assert.Equal(0, b.Tun.DroppedWrites);
    }
}
