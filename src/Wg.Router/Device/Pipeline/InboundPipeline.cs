// Inbound: datagrams from the UDP socket. Transport data is opened in parallel and delivered to the
// TUN in order, after the AllowedIPs source check (whitepaper §2: cryptokey routing both ways);
// handshake messages go to their own queue.
using System.Net.Sockets;
using WgSharp.Noise;
using WgSharp.Noise.Messages;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed partial class WireGuardDevice
{
    private readonly TokenBucket _icmpLimiter = new(IcmpErrorsPerSecond, IcmpErrorBurst);
    private readonly Lock _icmpWriteLock = new();
    private readonly byte[][] _icmpBuffers = new byte[1][];
    private readonly int[] _icmpSizes = new int[1];

    private void StartReceivers(IUdpBind bind)
    {
        foreach (AddressFamily family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            if (bind.Supports(family))
            {
                StartThread(family == AddressFamily.InterNetwork ? "udp-receive-v4" : "udp-receive-v6", () => ReceiveLoop(bind, family));
            }
        }
    }

    // Stage 1, one thread per socket: receive a batch, send handshake messages to their queue, pass
    // transport data on. The loop ends when its bind is closed (shutdown or a port change).
    private void ReceiveLoop(IUdpBind bind, AddressFamily family)
    {
        while (_freeInbound.TryReadBlocking(out PacketBatch batch))
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
                Recycle(batch);
                return; // this bind was closed
            }

            batch.Count = count;
            int toOpen = 0;
            for (int i = 0; i < count; i++)
            {
                toOpen += ClassifyInbound(batch, i) ? 1 : 0;
            }

            if (toOpen == 0)
            {
                Recycle(batch);
                continue;
            }

            if (toOpen <= InlineCryptoPackets)
            {
                OpenBatch(batch);
                batch.Processed.Set();
                _deliverInOrder.TryWrite(batch);
                continue;
            }

            // Crypto first, as in ReadTunLoop: after Close no batch may wait in the delivery queue for an open that
            // never comes.
            if (!_crypto.TryWrite(batch))
            {
                return; // closing
            }
            _deliverInOrder.TryWrite(batch);
        }
    }

    private bool ClassifyInbound(PacketBatch batch, int i)
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
            EnqueueHandshake(datagram, batch.Endpoints[i]);
        }
        else
        {
            _counters.Drop(DeviceDrop.UnknownDatagram);
        }

        return false;
    }

    // Stage 2, several threads: seal outbound batches, open inbound ones.
    private void CryptoLoop()
    {
        while (_crypto.TryReadBlocking(out PacketBatch batch))
        {
            if (batch.IsInbound)
            {
                OpenBatch(batch);
            }
            else
            {
                SealBatch(batch);
            }

            batch.Processed.Set();
        }
    }

    private void OpenBatch(PacketBatch batch)
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

            // Decrypted in place: the plaintext lands where the ciphertext was, after the 16-byte header.
            TunnelResult result = _directory.Receive(buffer.AsSpan(0, batch.Sizes[i]), address[..addressLength], source.Port,
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

    // Stage 3, one thread: in arrival order, check each packet's source against the sending peer's
    // AllowedIPs, follow roaming peers, and write to the TUN in one batch.
    private void DeliverInOrderLoop()
    {
        var writeBuffers = new byte[BatchCapacity][];
        var writeSizes = new int[BatchCapacity];
        var authenticated = new Peer?[BatchCapacity];
        var relayIndices = new int[BatchCapacity];
        var relayTargets = new Peer?[BatchCapacity];
        byte[] scratch = GC.AllocateUninitializedArray<byte>(PacketBatch.BufferSize, pinned: true);
        while (_deliverInOrder.TryReadBlocking(out PacketBatch batch))
        {
            batch.Processed.Wait();
            RouterState? router = _router;
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

                ReadOnlySpan<byte> packet = batch.Buffers[i].AsSpan(PacketBatch.HeadRoom, batch.Sizes[i]);
                if (!IpPacket.TryGetSourceAddress(packet, out ReadOnlySpan<byte> inner) ||
                    ((!_allowedIps.TryLookup(inner, out Peer? owner) || owner != peer) && !OwnsSourceWhileOthersDown(router, inner, peer)))
                {
                    _counters.Drop(DeviceDrop.SourceNotAllowed);
                    continue;
                }

                if (router is not null)
                {
                    Span<byte> routed = batch.Buffers[i].AsSpan(PacketBatch.HeadRoom, batch.Sizes[i]);
                    InboundVerdict verdict = RouteInboundPolicy(router, peer, routed, scratch, out Peer? target);
                    if (verdict == InboundVerdict.Drop)
                    {
                        continue;
                    }

                    if (verdict == InboundVerdict.Relay)
                    {
                        relayIndices[relays] = i;
                        relayTargets[relays++] = target;
                        continue;
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
                SendRelayed(batch, relayIndices, relayTargets, relays, writeBuffers, writeSizes, scratch);
            }

            // A session that just became usable (the responder's first packet) releases queued packets.
            long received = peers > 0 ? _time.GetTimestamp() : 0;
            for (int p = 0; p < peers; p++)
            {
                authenticated[p]!.MarkReceived(received);
                DrainQueued(authenticated[p]!, scratch);
            }

            Array.Clear(writeBuffers);
            Array.Clear(authenticated);
            Recycle(batch);
        }
    }

    /// <summary>Sends what the engine has queued for a peer (call Decapsulate with no input until Done).</summary>
    private void DrainQueued(Peer peer, byte[] scratch)
    {
        if (peer.Tunnel.QueuedPackets == 0)
        {
            return;
        }

        TunnelResult result;
        while ((result = peer.Tunnel.Decapsulate(default, scratch)).Operation == TunnelOperation.WriteToNetwork)
        {
            SendToPeer(peer, result.Packet);
        }
    }

    // The source check with `Routes = when-up` peers (the slow path, only after the plain lookup named another
    // peer): while a more specific when-up peer is down, the peer traffic fails over to must also be allowed to
    // answer from those addresses, so the check uses the same eligible-owner lookup as routing does.
    private bool OwnsSourceWhileOthersDown(RouterState? router, ReadOnlySpan<byte> source, Peer peer) =>
        router is { AnyWhenUp: true } && IpAddressKey.TryCreate(source, out IpAddressKey key)
        && _allowedIps.TryLookup(key, CanReceive, out Peer? owner) && owner == peer;
}
