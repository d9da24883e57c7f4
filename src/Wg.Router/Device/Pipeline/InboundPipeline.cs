// Inbound: datagrams from the UDP socket. Transport data is opened in parallel and delivered to the
// TUN in order, after the AllowedIPs source check (whitepaper §2: cryptokey routing both ways) and the
// router stage; handshake messages go to the handshake worker's queue. Threads: one UDP receiver per
// address family, the crypto workers (open), the TUN writer (in order).
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using WgSharp.Noise;
using WgSharp.Noise.Messages;
using WgSharp.Router.Packets;
using WgSharp.Router.Policy;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed class InboundPipeline
{
    private readonly ITunDevice _tun;
    private readonly TunnelDirectory _directory;
    private readonly BatchStage _stage;
    private readonly PeerTable _peers;
    private readonly PolicyRouter _policy;
    private readonly PeerSender _sender;
    private readonly HandshakeWorker _handshakes;
    private readonly DeviceCounters _counters;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly BatchQueue<PacketBatch> _deliverInOrder = new(BatchStage.BatchesPerDirection);

    public InboundPipeline(
        ITunDevice tun, TunnelDirectory directory, BatchStage stage, PeerTable peers, PolicyRouter policy, PeerSender sender,
        HandshakeWorker handshakes, DeviceCounters counters, ILogger logger, TimeProvider time)
    {
        _tun = tun;
        _directory = directory;
        _stage = stage;
        _peers = peers;
        _policy = policy;
        _sender = sender;
        _handshakes = handshakes;
        _counters = counters;
        _logger = logger;
        _time = time;
    }

    /// <summary>Ends the in-order stage (the device is closing).</summary>
    public void Complete() => _deliverInOrder.Complete();

    /// <summary>
    /// A UDP receiver (one thread per socket family): receive a batch, send handshake messages to their queue, pass
    /// transport data on. Ends when its bind is closed (shutdown or a port change).
    /// </summary>
    public void ReceiveLoop(IUdpBind bind, AddressFamily family)
    {
        while (_stage.TryTakeFree(inbound: true, out PacketBatch batch))
        {
            int count;
            try
            {
                count = bind.Receive(family, batch.Buffers, batch.Sizes, batch.Endpoints, 0);
            }
            catch (Exception e) when (e is SocketException or IOException or InvalidOperationException)
            {
                DeviceLog.ReceiveError(_logger, e.Message);
                count = 0;
            }

            if (count == 0)
            {
                _stage.Recycle(batch);
                return; // this bind was closed
            }

            batch.Count = count;
            int toOpen = 0;
            for (int i = 0; i < count; i++)
            {
                toOpen += Classify(batch, i) ? 1 : 0;
            }

            if (toOpen == 0)
            {
                _stage.Recycle(batch);
                continue;
            }

            if (!_stage.Dispatch(batch, toOpen, _deliverInOrder))
            {
                return; // closing
            }
        }
    }

    // True for transport data (to open); handshake messages go to their queue, anything else is counted.
    private bool Classify(PacketBatch batch, int i)
    {
        batch.Actions[i] = PacketAction.Skip;
        ReadOnlySpan<byte> datagram = batch.Buffers[i].AsSpan(0, batch.Sizes[i]);
        MessageKind kind = MessageClassifier.Classify(datagram);
        if (kind == MessageKind.TransportData)
        {
            batch.Actions[i] = PacketAction.Open;
            return true;
        }

        if (MessageClassifier.IsHandshake(kind))
        {
            _handshakes.Enqueue(datagram, batch.Endpoints[i]);
        }
        else
        {
            _counters.Drop(DeviceDrop.UnknownDatagram);
        }

        return false;
    }

    /// <summary>The inbound half of the crypto workers: open each transport message in place.</summary>
    public static void OpenBatch(TunnelDirectory directory, PacketBatch batch)
    {
        Span<byte> address = stackalloc byte[16];
        for (int i = 0; i < batch.Count; i++)
        {
            if (batch.Actions[i] != PacketAction.Open)
            {
                continue;
            }

            batch.Actions[i] = PacketAction.Skip;
            byte[] buffer = batch.Buffers[i];
            ref UdpEndpoint source = ref batch.Endpoints[i];
            int addressLength = source.CopyAddressTo(address);

            // Decrypted in place: the plaintext lands where the ciphertext was, after the transport header.
            TunnelResult result = directory.Receive(buffer.AsSpan(0, batch.Sizes[i]), address[..addressLength], source.Port,
                buffer.AsSpan(PacketBatch.HeadRoom), out Tunnel? tunnel);
            if (tunnel?.Owner is not Peer peer || result.Operation == TunnelOperation.Drop)
            {
                continue;
            }

            batch.Peers[i] = peer;
            if (result.Operation is TunnelOperation.WriteToTunnelV4 or TunnelOperation.WriteToTunnelV6)
            {
                batch.Sizes[i] = result.Packet.Length;
                batch.Actions[i] = PacketAction.Write;
            }
        }
    }

    /// <summary>
    /// The TUN writer (one thread): in arrival order, check each packet's source against the sending peer's
    /// AllowedIPs, follow roaming peers, pass the router stage, and write to the TUN in one batch.
    /// </summary>
    public void DeliverInOrderLoop()
    {
        var writeBuffers = new byte[BatchStage.BatchCapacity][];
        var writeSizes = new int[BatchStage.BatchCapacity];
        var authenticated = new Peer?[BatchStage.BatchCapacity];
        var relayTargets = new Peer?[BatchStage.BatchCapacity];
        var runBuffers = new byte[BatchStage.BatchCapacity][];
        var runSizes = new int[BatchStage.BatchCapacity];
        byte[] scratch = GC.AllocateUninitializedArray<byte>(PacketBatch.BufferSize, pinned: true);
        while (_deliverInOrder.TryReadBlocking(out PacketBatch batch))
        {
            batch.Processed.Wait();
            RouterState? state = _policy.InForce;
            bool anyWhenUp = state is { AnyWhenUp: true };
            int writes = 0, peers = 0, relays = 0;
            for (int i = 0; i < batch.Count; i++)
            {
                Peer? peer = batch.Peers[i];
                if (peer is null)
                {
                    continue; // dropped (and counted) by the engine
                }

                // Any authenticated packet, keepalives included, moves the endpoint (§2.1 roaming).
                peer.UpdateEndpointFromPacket(batch.Endpoints[i]);
                if (Array.IndexOf(authenticated, peer, 0, peers) < 0)
                {
                    authenticated[peers++] = peer;
                }

                if (batch.Actions[i] != PacketAction.Write)
                {
                    continue;
                }

                Span<byte> packet = batch.Buffers[i].AsSpan(PacketBatch.HeadRoom, batch.Sizes[i]);
                if (!IpPacket.TryGetSourceAddress(packet, out ReadOnlySpan<byte> inner) || !_peers.IsAllowedSource(inner, peer, anyWhenUp))
                {
                    _counters.Drop(DeviceDrop.SourceNotAllowed);
                    continue;
                }

                if (state is not null)
                {
                    InboundVerdict verdict = _policy.RouteInbound(state, peer, packet, scratch, out Peer? target);
                    if (verdict == InboundVerdict.Drop)
                    {
                        continue;
                    }

                    // Relayed packets are sealed in place here (the TUN reader seals for the same peer meanwhile: the two
                    // streams interleave a little out of order, well inside the replay window) and sent after the TUN write.
                    if (verdict == InboundVerdict.Relay && OutboundPipeline.TrySealInPlace(_sender, target!, batch.Buffers[i], ref batch.Sizes[i], scratch))
                    {
                        relayTargets[i] = target;
                        relays++;
                        continue;
                    }

                    if (verdict == InboundVerdict.Relay)
                    {
                        continue; // queued for a handshake, or not sealed (counted)
                    }
                }

                writeBuffers[writes] = batch.Buffers[i];
                writeSizes[writes] = batch.Sizes[i];
                writes++;
            }

            if (writes > 0)
            {
                try
                {
                    _tun.Write(writeBuffers, writeSizes, writes, PacketBatch.HeadRoom);
                }
                catch (TunException e)
                {
                    DeviceLog.TunError(_logger, e.Message);
                }
            }

            if (relays > 0)
            {
                _sender.SendGrouped(batch.Buffers, batch.Sizes, relayTargets, batch.Count, runBuffers, runSizes);
            }

            // A session that just became usable (the responder's first packet) releases queued packets.
            long received = peers > 0 ? _time.GetTimestamp() : 0;
            for (int p = 0; p < peers; p++)
            {
                authenticated[p]!.MarkReceived(received);
                _sender.DrainQueued(authenticated[p]!, scratch);
            }

            Array.Clear(writeBuffers, 0, writes);
            Array.Clear(authenticated, 0, peers);
            _stage.Recycle(batch);
        }
    }
}
