// The one way the device tests build a device: a WireGuardDevice on an in-memory TUN, bound to an
// address of a shared in-memory UDP network (optionally through a tap the test puts around the bind),
// on the clock the test gives (a ManualClock to drive time by hand), started on port 51820 with its
// link up. DevicePair and RouterMesh are arrangements of these; Connect makes one node another's peer
// through the same Apply path the UAPI uses.
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;
using WgSharp.Tun;
using WgSharp.Tun.InMemory;

namespace WgSharp.Router.Tests.Device;

internal sealed class TestNode : IDisposable
{
    public const ushort Port = 51820;

    /// <param name="network">The in-memory UDP network the node's socket joins.</param>
    /// <param name="name">Names the TUN ("mem" + name) and the node in assertion messages.</param>
    /// <param name="address">The node's address on <paramref name="network"/>.</param>
    /// <param name="socketQueue">Datagrams the node's socket holds.</param>
    /// <param name="time">The device's clock (null: the system's).</param>
    /// <param name="tap">Wraps the socket the device opens (null: the socket itself).</param>
    public TestNode(
        InMemoryUdpNetwork network, string name, IPAddress address, int socketQueue = 4096, TimeProvider? time = null,
        Func<InMemoryUdpBind, IUdpBind>? tap = null)
    {
        Name = name;
        Address = address;
        Key = PrivateKey.Generate(SystemRandomSource.Instance);
        PublicKey = Key.ComputePublicKey();
        Tun = new InMemoryTun("mem" + name, capacity: 4096);
        Device = new WireGuardDevice(Tun, port =>
        {
            InMemoryUdpBind bind = network.Bind(address, null, port, socketQueue);
            return tap is null ? bind : tap(bind);
        }, NullLogger.Instance, time);
        Device.Start(Port);
        Tun.SetLinkState(up: true);
    }

    public string Name { get; }

    public IPAddress Address { get; }

    public IPEndPoint Endpoint => new(Address, Port);

    public PrivateKey Key { get; }

    public PublicKey PublicKey { get; }

    public InMemoryTun Tun { get; }

    public WireGuardDevice Device { get; }

    /// <summary>Makes <paramref name="peer"/> this node's peer, at its endpoint, with <paramref name="allowedIps"/>.</summary>
    public void Connect(TestNode peer, params string[] allowedIps) => Configure(Device, Key, peer.PublicKey, peer.Endpoint, allowedIps);

    /// <summary>Sets <paramref name="device"/>'s private key and adds (or updates) one peer.</summary>
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

    public void Dispose()
    {
        Device.Dispose();
        Key.Dispose();
    }
}
