// Outbound: packets the kernel routed into the TUN, to the peer whose AllowedIPs hold the destination
// (cryptokey routing, whitepaper §2), encrypted in parallel and sent in order.
using WgSharp.Noise;
using WgSharp.Router.Packets;
using WgSharp.Router.Routing;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed partial class WireGuardDevice
{
    // Stage 1, one thread: read a batch, route each packet, reserve counters in read order.
    private void ReadTunLoop()
    {
        byte[] scratch = GC.AllocateUninitializedArray<byte>(PacketBatch.BufferSize, pinned: true);
        while (_freeOutbound.TryReadBlocking(out PacketBatch batch))
        {
            int count;
            try
            {
                count = _tun.Read(batch.Buffers, batch.Sizes, PacketBatch.HeadRoom);
            }
            catch (TunException e)
            {
                // EBADFD: the interface was deleted (`ip link del`), the normal way to stop a daemon.
                string reason = e.Errno == Tun.Interop.LibC.EBADFD ? "interface deleted" : "TUN device failed: " + e.Message;
                DeviceLog.TunError(_logger, e.Message);
                ThreadPool.QueueUserWorkItem(_ => Close(reason));
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
                Recycle(batch);
                continue;
            }

            if (toSeal <= InlineCryptoPackets)
            {
                SealBatch(batch);
                batch.Processed.Set();
                _sendInOrder.TryWrite(batch);
                continue;
            }

            // The read order is the send order: the sender takes batches from its queue in the order this one thread
            // wrote them. Crypto first: once Close has completed the crypto queue, a batch must not reach the sender,
            // which would wait for a seal that never comes.
            if (!_crypto.TryWrite(batch))
            {
                batch.Reset(); // closing: its reservations end here
                return;
            }
            _sendInOrder.TryWrite(batch);
        }
    }

    // Returns true when the packet is to be sealed by a worker.
    private bool RouteOutbound(PacketBatch batch, int i, byte[] scratch)
    {
        batch.Actions[i] = PacketAction.Skip;
        Span<byte> packet = batch.Buffers[i].AsSpan(PacketBatch.HeadRoom, batch.Sizes[i]);
        Peer? peer = SelectOutboundPeer(packet, scratch);
        return peer is not null && PrepareSend(batch, i, peer, packet, scratch);
    }

    /// <summary>
    /// The peer a packet read from the TUN goes to, after the router stage when one is in force (which may rewrite
    /// the packet); null when it is dropped (counted, and answered where due). Internal for the benchmarks.
    /// </summary>
    internal Peer? SelectOutboundPeer(Span<byte> packet, byte[] scratch)
    {
        // The router stage: one volatile read and a branch when no router configuration is in force.
        if (_router is { } router)
        {
            return RouteOutboundPolicy(router, packet, scratch);
        }

        if (!IpPacket.TryGetDestinationAddress(packet, out ReadOnlySpan<byte> destination))
        {
            _counters.Drop(DeviceDrop.InvalidPacket);
            return null;
        }

        if (!_allowedIps.TryLookup(destination, out Peer? peer))
        {
            _counters.Drop(DeviceDrop.NoRoute);
            AnswerUnreachable(packet, scratch);
            return null;
        }

        return peer;
    }

    // Reserves a counter for the packet (a worker seals it), or queues it for a handshake.
    private bool PrepareSend(PacketBatch batch, int i, Peer peer, Span<byte> packet, byte[] scratch)
    {
        if (!peer.TryGetEndpoint(out UdpEndpoint endpoint))
        {
            _counters.Drop(DeviceDrop.NoEndpoint);
            return false;
        }

        if (peer.Tunnel.TryReserveSend(out SendReservation reservation))
        {
            batch.Peers[i] = peer;
            batch.Reservations[i] = reservation;
            batch.Actions[i] = PacketAction.Seal;
            return true;
        }

        // No session: the engine queues the packet and may hand back an initiation to send now.
        TunnelResult result = peer.Tunnel.QueueForHandshake(packet, scratch);
        if (result.Operation == TunnelOperation.WriteToNetwork)
        {
            DeviceLog.Sending(_logger, peer, "handshake initiation");
            SendOne(peer, endpoint, result.Packet);
        }

        return false;
    }

    // Stage 2 (outbound half of the crypto workers).
    private static void SealBatch(PacketBatch batch)
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

    // Stage 3, one thread: send batches in the order they were read, consecutive packets of one peer in
    // one sendmmsg.
    private void SendInOrderLoop()
    {
        var runBuffers = new byte[BatchCapacity][];
        var runSizes = new int[BatchCapacity];
        while (_sendInOrder.TryReadBlocking(out PacketBatch batch))
        {
            batch.Processed.Wait();
            int i = 0;
            while (i < batch.Count)
            {
                if (batch.Actions[i] != PacketAction.Write)
                {
                    i++;
                    continue;
                }

                Peer peer = batch.Peers[i]!;
                int run = 0;
                while (i < batch.Count && (batch.Actions[i] != PacketAction.Write || batch.Peers[i] == peer))
                {
                    if (batch.Actions[i] == PacketAction.Write)
                    {
                        runBuffers[run] = batch.Buffers[i];
                        runSizes[run] = batch.Sizes[i];
                        run++;
                    }

                    i++;
                }

                SendRun(peer, runBuffers, runSizes, run);
            }

            Array.Clear(runBuffers);
            Recycle(batch);
        }
    }

    private void SendRun(Peer peer, byte[][] buffers, int[] sizes, int count)
    {
        IUdpBind? bind = _bind;
        if (bind is null || !peer.TryGetEndpoint(out UdpEndpoint endpoint))
        {
            _counters.Drop(DeviceDrop.NoEndpoint);
            return;
        }

        UdpEndpoint before = endpoint;
        UdpSendResult result = bind.Send(buffers, sizes, count, 0, ref endpoint);
        if (!endpoint.Equals(before) || endpoint.HasSource != before.HasSource)
        {
            peer.UpdateEndpointFromPacket(endpoint); // the sticky source was cleared by the bind
        }

        if (!result.Succeeded)
        {
            _counters.Drop(DeviceDrop.SendFailed);
            DeviceLog.SendFailed(_logger, peer, endpoint.ToString(), result.Describe());
        }
    }

    /// <summary>Sends one datagram (a handshake message or keepalive) to a peer's endpoint.</summary>
    private void SendOne(Peer peer, UdpEndpoint endpoint, ReadOnlySpan<byte> datagram)
    {
        IUdpBind? bind = _bind;
        if (bind is null)
        {
            return;
        }

        // Control messages are rare: a small array per call is fine here, never on the data path.
        byte[][] buffers = [datagram.ToArray()];
        UdpEndpoint before = endpoint;
        UdpSendResult result = bind.Send(buffers, [datagram.Length], 1, 0, ref endpoint);
        if (!endpoint.Equals(before) || endpoint.HasSource != before.HasSource)
        {
            peer.UpdateEndpointFromPacket(endpoint);
        }

        if (!result.Succeeded)
        {
            _counters.Drop(DeviceDrop.SendFailed);
            DeviceLog.SendFailed(_logger, peer, endpoint.ToString(), result.Describe());
        }
    }

    private void SendToPeer(Peer peer, ReadOnlySpan<byte> datagram)
    {
        if (peer.TryGetEndpoint(out UdpEndpoint endpoint))
        {
            SendOne(peer, endpoint, datagram);
        }
        else
        {
            _counters.Drop(DeviceDrop.NoEndpoint);
        }
    }

    // Like kernel WireGuard, a packet for an address no peer owns is answered with ICMP host/address
    // unreachable, so applications fail fast instead of timing out. The error is injected into the TUN
    // with the unreachable destination as its source: an address of this host would be refused by the
    // kernel as a martian source, and this one routes back through the TUN, passing reverse-path checks.
    private void AnswerUnreachable(ReadOnlySpan<byte> packet, byte[] scratch) => AnswerToTun(packet, IcmpErrorKind.Unreachable, scratch);

    // Writes an ICMP error about a packet read from the TUN back into the TUN (rate-limited), from the packet's
    // destination (see above); a Reject rule answers administratively prohibited the same way.
    private void AnswerToTun(ReadOnlySpan<byte> packet, IcmpErrorKind kind, byte[] scratch)
    {
        if (!_icmpLimiter.TryTake())
        {
            return;
        }

        if (!IpPacket.TryGetDestinationAddress(packet, out ReadOnlySpan<byte> destination))
        {
            return;
        }

        if (IpAddressKey.TryCreate(destination, out IpAddressKey source) &&
            IcmpErrorBuilder.TryWrite(packet, kind, source, 0, scratch.AsSpan(PacketBatch.HeadRoom), out int length))
        {
            lock (_icmpWriteLock)
            {
                _icmpBuffers[0] = scratch;
                _icmpSizes[0] = length;
                _tun.Write(_icmpBuffers, _icmpSizes, 1, PacketBatch.HeadRoom);
                _icmpBuffers[0] = null!;
            }
        }
    }

    private void Recycle(PacketBatch batch)
    {
        batch.Reset();
        (batch.IsInbound ? _freeInbound : _freeOutbound).TryWrite(batch);
    }
}
