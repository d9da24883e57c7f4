// Two WireGuardDevices (TestNodes) on one in-memory UDP network, each the other's peer, configured
// through the same Apply path the UAPI uses: the whole pipeline runs, only the kernel is simulated.
using System.Buffers.Binary;
using System.Net;
using WgSharp.Noise.Keys;
using WgSharp.Router.Device;
using WgSharp.Tun;
using WgSharp.Tun.InMemory;

namespace WgSharp.Router.Tests.Device;

internal sealed class DevicePair : IDisposable
{
    public static readonly IPAddress AddressA = IPAddress.Parse("192.0.2.1");
    public static readonly IPAddress AddressB = IPAddress.Parse("192.0.2.2");

    /// <summary>Datagrams each device's in-memory socket holds.</summary>
    public const int SocketQueue = 8192;

    /// <param name="time">Both devices' clock (null: the system's).</param>
    /// <param name="tap">Wraps each device's socket (its name, "A" or "B", and the socket), to watch what it sends.</param>
    public DevicePair(TimeProvider? time = null, Func<string, InMemoryUdpBind, IUdpBind>? tap = null)
    {
        // Socket queues as deep as the real ones (UdpBind asks for 7 MiB): with the in-memory default of 1024 a
        // 2000-packet burst overflows whenever the receiving device gets less CPU than the sending one for a moment,
        // and the tests are about order and fairness, not about UDP losing datagrams to a full buffer.
        NodeA = new TestNode(Network, "A", AddressA, SocketQueue, time, tap is null ? null : bind => tap("A", bind));
        NodeB = new TestNode(Network, "B", AddressB, SocketQueue, time, tap is null ? null : bind => tap("B", bind));
        NodeA.Connect(NodeB, "10.0.0.2/32");
        NodeB.Connect(NodeA, "10.0.0.1/32");
    }

    public InMemoryUdpNetwork Network { get; } = new();

    public TestNode NodeA { get; }

    public TestNode NodeB { get; }

    public PrivateKey KeyA => NodeA.Key;

    public PrivateKey KeyB => NodeB.Key;

    public InMemoryTun TunA => NodeA.Tun;

    public InMemoryTun TunB => NodeB.Tun;

    public WireGuardDevice A => NodeA.Device;

    public WireGuardDevice B => NodeB.Device;

    public static void Configure(WireGuardDevice device, PrivateKey key, PublicKey peer, IPEndPoint? endpoint, params string[] allowedIps) =>
        TestNode.Configure(device, key, peer, endpoint, allowedIps);

    /// <summary>An IPv4/UDP packet with a marker in its payload (checksum left 0: allowed for UDP over IPv4).</summary>
    public static byte[] Udp4(string source, string destination, int marker, int payload = 32)
    {
        var packet = new byte[28 + payload];
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(2), (ushort)packet.Length);
        packet[8] = 64;
        packet[9] = 17;
        IPAddress.Parse(source).TryWriteBytes(packet.AsSpan(12), out _);
        IPAddress.Parse(destination).TryWriteBytes(packet.AsSpan(16), out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(20), 1000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(22), 2000);
        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(24), (ushort)(8 + payload));
        BinaryPrimitives.WriteInt32BigEndian(packet.AsSpan(28), marker);
        // IPv4 header checksum
        uint sum = 0;
        for (int i = 0; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(packet.AsSpan(i));
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        BinaryPrimitives.WriteUInt16BigEndian(packet.AsSpan(10), (ushort)~sum);
        return packet;
    }

    public static int Marker(byte[] packet) => BinaryPrimitives.ReadInt32BigEndian(packet.AsSpan(28));

    public void Dispose()
    {
        NodeA.Dispose();
        NodeB.Dispose();
    }
}
