// The device's router stage per packet: the outbound choice of peer for a 1420-byte TCP segment with no
// router configuration (the plain AllowedIPs path behind one volatile read) against 8 rules that do not
// match + a masquerade rule + MSS clamping (conntrack hit, source rewrite), and the inbound un-NAT of
// its reply. Each call first restores the packet from a template (a 1420-byte copy, the same in every case).
using System.Net;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.Logging.Abstractions;
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;
using WgSharp.Router.Packets;
using WgSharp.Tun.InMemory;
using WgSharp.Tun.Net;

namespace WgSharp.Bench;

[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class RouterStageBenchmarks
{
    private readonly byte[] _scratch = new byte[PacketBatch.BufferSize];
    private readonly byte[] _work = new byte[1420];
    private WireGuardDevice _plain = null!;
    private WireGuardDevice _routed = null!;
    private Peer _peer = null!;
    private byte[] _outbound = null!;
    private byte[] _reply = null!;

    [GlobalSetup]
    public void Setup()
    {
        var network = new InMemoryUdpNetwork();
        using PrivateKey local = PrivateKey.Generate(SystemRandomSource.Instance);
        using PrivateKey remote = PrivateKey.Generate(SystemRandomSource.Instance);
        _plain = Create(network, local, remote.ComputePublicKey(), "192.0.2.1");
        _routed = Create(network, local, remote.ComputePublicKey(), "192.0.2.2");

        List<RouterRule> rules = [];
        for (int i = 0; i < 8; i++)
        {
            rules.Add(new RouterRule { To = [new PrefixSelector(IPNetwork.Parse($"172.{16 + i}.0.0/16"), false)], Action = RouterRuleAction.Drop });
        }

        rules.Add(new RouterRule { To = [new PrefixSelector(IPNetwork.Parse("10.2.0.0/16"), false)], Masquerade = true });
        _routed.SetRouterConfiguration(new RouterConfiguration
        {
            Rules = rules,
            MssClamp = RouterConfiguration.MssClampAuto,
            InterfaceAddresses = [IPAddress.Parse("10.0.0.1")],
        });

        _outbound = Tcp([192, 168, 5, 10], 40000, [10, 2, 0, 5], 443);
        _reply = Tcp([10, 2, 0, 5], 443, [10, 0, 0, 1], 40000);
        _outbound.CopyTo(_work, 0);
        _peer = _routed.Outbound.SelectPeer(_work, _scratch)!; // opens the flow
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _plain.Dispose();
        _routed.Dispose();
    }

    [Benchmark(Baseline = true)]
    public bool Outbound_empty_configuration()
    {
        _outbound.CopyTo(_work, 0);
        return _plain.Outbound.SelectPeer(_work, _scratch) is not null;
    }

    [Benchmark]
    public bool Outbound_rules_masquerade_mss()
    {
        _outbound.CopyTo(_work, 0);
        return _routed.Outbound.SelectPeer(_work, _scratch) is not null;
    }

    [Benchmark]
    public int Inbound_reply_unnat_rules_mss()
    {
        _reply.CopyTo(_work, 0);
        return (int)_routed.Policy.RouteInbound(_routed.Policy.InForce!, _peer, _work, _scratch, out _);
    }

    private static WireGuardDevice Create(InMemoryUdpNetwork network, PrivateKey key, PublicKey peer, string address)
    {
        var device = new WireGuardDevice(new InMemoryTun("bench"), port => network.Bind(IPAddress.Parse(address), null, port), NullLogger.Instance);
        using var update = new DeviceUpdate { PrivateKey = key.Clone() };
        var change = new PeerUpdate(peer) { Endpoint = new IPEndPoint(IPAddress.Parse("192.0.2.9"), 51820) };
        change.AllowedIpChanges.Add(new AllowedIpChange(IPNetwork.Parse("0.0.0.0/0"), Remove: false));
        update.Peers.Add(change);
        device.Apply(update);
        return device;
    }

    // A 1420-byte IPv4 TCP segment (ACK, no options) with valid checksums.
    private static byte[] Tcp(byte[] source, ushort sourcePort, byte[] destination, ushort destinationPort)
    {
        var packet = new byte[1420];
        packet[0] = 0x45;
        packet[2] = 1420 >> 8;
        packet[3] = 1420 & 0xFF;
        packet[6] = 0x40;
        packet[8] = 64;
        packet[9] = IpProtocol.Tcp;
        source.CopyTo(packet, 12);
        destination.CopyTo(packet, 16);
        packet[20] = (byte)(sourcePort >> 8);
        packet[21] = (byte)sourcePort;
        packet[22] = (byte)(destinationPort >> 8);
        packet[23] = (byte)destinationPort;
        packet[32] = 5 << 4;
        packet[33] = 0x10;
        packet[34] = 0xFF;
        Ipv4Header.TryParse(packet, out Ipv4Header header);
        header.UpdateHeaderChecksum();
        return packet;
    }
}
