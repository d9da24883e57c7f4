// PeerSender.SendGrouped, the one run-grouped send of both pipelines: every packet of a peer in one send
// call, in their order, whatever lies between them; unsent slots skipped; a peer without an endpoint
// counted, not sent; the caller's vectors left cleared.
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Router.Device;
using WgSharp.Tun;

namespace WgSharp.Router.Tests.Device;

public sealed class PeerSenderTests : IDisposable
{
    private readonly TunnelDirectory _directory = new(TimeProvider.System, SystemRandomSource.Instance);
    private readonly DeviceCounters _counters = new();
    private readonly RecordingBind _bind = new();
    private readonly PeerSender _sender;

    public PeerSenderTests()
    {
        _sender = new PeerSender(_counters, NullLogger.Instance) { Bind = _bind };
    }

    [Fact]
    public void Each_peers_packets_go_in_one_send_in_their_order()
    {
        Peer a = NewPeer(1001);
        Peer b = NewPeer(1002);
        (byte[][] buffers, int[] sizes) = Packets(6);
        Peer?[] targets = [a, b, a, null, b, a];

        SendGrouped(buffers, sizes, targets);

        Assert.Equal(["1001: 0 2 5", "1002: 1 4"], _bind.Sends);
        Assert.All(targets, Assert.Null);
    }

    [Fact]
    public void A_peer_without_an_endpoint_is_counted_not_sent()
    {
        Peer a = NewPeer(1001);
        Peer silent = NewPeer(port: null);
        (byte[][] buffers, int[] sizes) = Packets(3);

        SendGrouped(buffers, sizes, [silent, a, silent]);

        Assert.Equal(["1001: 1"], _bind.Sends);
        Assert.Equal(1, _counters[DeviceDrop.NoEndpoint]);
    }

    public void Dispose() => _directory.Dispose();

    private void SendGrouped(byte[][] buffers, int[] sizes, Peer?[] targets)
    {
        var runBuffers = new byte[targets.Length][];
        var runSizes = new int[targets.Length];
        _sender.SendGrouped(buffers, sizes, targets, targets.Length, runBuffers, runSizes);
        Assert.All(runBuffers, Assert.Null);
    }

    private Peer NewPeer(int? port)
    {
        using PrivateKey key = PrivateKey.Generate(SystemRandomSource.Instance);
        var peer = new Peer(_directory.AddPeer(key.ComputePublicKey()));
        if (port is { } p)
        {
            peer.SetEndpoint(UdpEndpoint.FromIPEndPoint(new IPEndPoint(IPAddress.Parse("192.0.2.9"), p)));
        }

        return peer;
    }

    // Packet i is one byte, i.
    private static (byte[][] Buffers, int[] Sizes) Packets(int count) =>
        ([.. Enumerable.Range(0, count).Select(i => new[] { (byte)i })], [.. Enumerable.Repeat(1, count)]);

    // Records each send call as "port: first byte of each datagram".
    private sealed class RecordingBind : IUdpBind
    {
        public List<string> Sends { get; } = [];

        public ushort Port => 51820;

        public int BatchSize => 64;

        public bool Supports(AddressFamily family) => family == AddressFamily.InterNetwork;

        public int Receive(AddressFamily family, byte[][] buffers, int[] sizes, UdpEndpoint[] endpoints, int offset) => 0;

        public UdpSendResult Send(byte[][] buffers, int[] sizes, int count, int offset, ref UdpEndpoint endpoint)
        {
            Sends.Add($"{endpoint.Port}: {string.Join(' ', buffers.Take(count).Select(b => b[offset]))}");
            return new UdpSendResult(count, 0);
        }

        public void SetMark(uint mark)
        {
        }

        public void Close()
        {
        }

        public void Dispose()
        {
        }
    }
}
