// Two WireGuardDevices on in-memory TUNs and an in-memory UDP network, configured through the same
// Apply path the UAPI uses: the whole pipeline runs, only the kernel is simulated.
using System.Buffers.Binary;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
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

    public DevicePair()
    {
        KeyA = PrivateKey.Generate(SystemRandomSource.Instance);
        KeyB = PrivateKey.Generate(SystemRandomSource.Instance);
        TunA = new InMemoryTun("memA", capacity: 4096);
        TunB = new InMemoryTun("memB", capacity: 4096);
        // Socket queues as deep as the real ones (UdpBind asks for 7 MiB): with the in-memory default of 1024 a
        // 2000-packet burst overflows whenever the receiving device gets less CPU than the sending one for a moment,
        // and the tests are about order and fairness, not about UDP losing datagrams to a full buffer.
        A = new WireGuardDevice(TunA, port => Network.Bind(AddressA, null, port, SocketQueue), NullLogger.Instance);
        B = new WireGuardDevice(TunB, port => Network.Bind(AddressB, null, port, SocketQueue), NullLogger.Instance);
        A.Start(51820);
        B.Start(51820);
        TunA.SetLinkState(up: true);
        TunB.SetLinkState(up: true);
        Configure(A, KeyA, KeyB.ComputePublicKey(), new IPEndPoint(AddressB, 51820), "10.0.0.2/32");
        Configure(B, KeyB, KeyA.ComputePublicKey(), new IPEndPoint(AddressA, 51820), "10.0.0.1/32");
    }

    public InMemoryUdpNetwork Network { get; } = new();

    public PrivateKey KeyA { get; }

    public PrivateKey KeyB { get; }

    public InMemoryTun TunA { get; }

    public InMemoryTun TunB { get; }

    public WireGuardDevice A { get; }

    public WireGuardDevice B { get; }

    public static void Configure(WireGuardDevice device, PrivateKey key, PublicKey peer, IPEndPoint? endpoint, params string[] allowedIps)
    {
        using var update = new DeviceUpdate { PrivateKey = key.Clone() };
        var peerUpdate = new PeerUpdate(peer) { Endpoint = endpoint };
        foreach (string allowed in allowedIps)
        {
            peerUpdate.AllowedIpChanges.Add(new AllowedIpChange(IPNetwork.Parse(allowed), Remove: false));
        }

        update.Peers.Add(peerUpdate);
        device.Apply(update);
    }

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
        A.Dispose();
        B.Dispose();
        KeyA.Dispose();
        KeyB.Dispose();
    }
}
