// Outbound: packets the kernel routed into the TUN, to the peer whose AllowedIPs hold the destination
// (cryptokey routing, whitepaper §2) or the router stage's choice, sealed in parallel and sent in
// order. Threads: the TUN reader (route, reserve counters in read order), the crypto workers (seal),
// the UDP sender (in order, consecutive packets of one peer in one send).
using Microsoft.Extensions.Logging;
using WgSharp.Noise;
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed class OutboundPipeline
{
    private readonly ITunDevice _tun;
    private readonly BatchStage _stage;
    private readonly PeerTable _peers;
    private readonly PolicyRouter _policy;
    private readonly PeerSender _sender;
    private readonly IcmpResponder _icmp;
    private readonly DeviceCounters _counters;
    private readonly ILogger _logger;
    private readonly Action<string> _close;
    private readonly BatchQueue<PacketBatch> _sendInOrder = new(BatchStage.BatchesPerDirection);

    public OutboundPipeline(
        ITunDevice tun, BatchStage stage, PeerTable peers, PolicyRouter policy, PeerSender sender, IcmpResponder icmp,
        DeviceCounters counters, ILogger logger, Action<string> close)
    {
        _tun = tun;
        _stage = stage;
        _peers = peers;
        _policy = policy;
        _sender = sender;
        _icmp = icmp;
        _counters = counters;
        _logger = logger;
        _close = close;
    }

    /// <summary>Ends the in-order stage (the device is closing).</summary>
    public void Complete() => _sendInOrder.Complete();

    /// <summary>The TUN reader (one thread): read a batch, route each packet, reserve counters in read order.</summary>
    public void ReadTunLoop()
    {
        byte[] scratch = GC.AllocateUninitializedArray<byte>(PacketBatch.BufferSize, pinned: true);
        while (_stage.TryTakeFree(inbound: false, out PacketBatch batch))
        {
            int count;
            try
            {
                count = _tun.Read(batch.Buffers, batch.Sizes, PacketBatch.HeadRoom);
            }
            catch (TunException e)
            {
                // EBADFD: the interface was deleted (`ip link del`), the normal way to stop a daemon.
                string reason = e.Errno == Tun.Errno.EBADFD ? "interface deleted" : "TUN device failed: " + e.Message;
                DeviceLog.TunError(_logger, e.Message);
                ThreadPool.QueueUserWorkItem(_ => _close(reason));
                return;
            }

            if (count == 0)
            {
                return; // closed
            }

            batch.Count = count;
            int toSeal = 0;
            for (int i = 0; i < count; i++)
            {
                toSeal += RouteOutbound(batch, i, scratch) ? 1 : 0;
            }

            if (toSeal == 0)
            {
                _stage.Recycle(batch);
                continue;
            }

            if (!_stage.Dispatch(batch, toSeal, _sendInOrder))
            {
                return; // closing
            }
        }
    }

    // Returns true when the packet is to be sealed.
    private bool RouteOutbound(PacketBatch batch, int i, byte[] scratch)
    {
        batch.Actions[i] = PacketAction.Skip;
        Span<byte> packet = batch.Buffers[i].AsSpan(PacketBatch.HeadRoom, batch.Sizes[i]);
        Peer? peer = SelectPeer(packet, scratch);
        if (peer is null || !_sender.TryReserveOrQueue(peer, packet, scratch, out batch.Reservations[i]))
        {
            return false;
        }

        batch.Peers[i] = peer;
        batch.Actions[i] = PacketAction.Seal;
        return true;
    }

    /// <summary>
    /// The peer a packet read from the TUN goes to, after the router stage when one is in force (which may rewrite
    /// the packet); null when it is dropped (counted, and answered where due). Internal for the benchmarks.
    /// </summary>
    internal Peer? SelectPeer(Span<byte> packet, byte[] scratch)
    {
        // The router stage: one volatile read and a branch when no router configuration is in force.
        if (_policy.InForce is { } state)
        {
            return _policy.RouteOutbound(state, packet, scratch);
        }

        if (!IpPacket.TryGetDestinationAddress(packet, out ReadOnlySpan<byte> destination))
        {
            _counters.Drop(DeviceDrop.InvalidPacket);
            return null;
        }

        if (!_peers.TryLookup(destination, out Peer? peer))
        {
            _counters.Drop(DeviceDrop.NoRoute);
            _icmp.AnswerToTun(packet, IcmpErrorKind.Unreachable, scratch);
            return null;
        }

        return peer;
    }

    /// <summary>The outbound half of the crypto workers: seal each reserved packet in place.</summary>
    public static void SealBatch(PacketBatch batch)
    {
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch.Actions[i] != PacketAction.Seal)
            {
                continue;
            }

            byte[] buffer = batch.Buffers[i];
            Peer peer = batch.Peers[i]!;
            // False: the session was erased since the reservation; the engine counted the drop.
            bool sealedIt = peer.Tunnel.TrySeal(ref batch.Reservations[i], buffer.AsSpan(PacketBatch.HeadRoom, batch.Sizes[i]), buffer, out int length);
            batch.Sizes[i] = length;
            batch.Actions[i] = sealedIt ? PacketAction.Write : PacketAction.Skip;
        }
    }

    /// <summary>
    /// Seals one packet (at <see cref="PacketBatch.HeadRoom"/> of <paramref name="buffer"/>, <paramref name="size"/>
    /// bytes) for <paramref name="peer"/> in place on the calling thread, for a packet that did not come from the TUN
    /// (a relayed one); true: <paramref name="size"/> is now the datagram's. False when it was queued for a handshake
    /// or not sealed (the session was erased since the reservation: counted by the engine).
    /// </summary>
    public static bool TrySealInPlace(PeerSender sender, Peer peer, byte[] buffer, ref int size, byte[] scratch)
    {
        Span<byte> packet = buffer.AsSpan(PacketBatch.HeadRoom, size);
        if (!sender.TryReserveOrQueue(peer, packet, scratch, out SendReservation reservation) ||
            !peer.Tunnel.TrySeal(ref reservation, packet, buffer, out int length))
        {
            return false;
        }

        size = length;
        return true;
    }

    /// <summary>The UDP sender (one thread): send batches in the order they were read, each peer's packets in one send.</summary>
    public void SendInOrderLoop()
    {
        var targets = new Peer?[BatchStage.BatchCapacity];
        var runBuffers = new byte[BatchStage.BatchCapacity][];
        var runSizes = new int[BatchStage.BatchCapacity];
        while (_sendInOrder.TryReadBlocking(out PacketBatch batch))
        {
            batch.Processed.Wait();
            for (int i = 0; i < batch.Count; i++)
            {
                targets[i] = batch.Actions[i] == PacketAction.Write ? batch.Peers[i] : null;
            }

            _sender.SendGrouped(batch.Buffers, batch.Sizes, targets, batch.Count, runBuffers, runSizes);
            _stage.Recycle(batch);
        }
    }
}
