// Every way the device sends a datagram: runs of sealed packets to one peer (one sendmmsg or GSO send),
// control messages (handshakes, keepalives, queued packets) to a peer, and replies to an address no
// peer has yet (cookie replies). A send that moves the endpoint's sticky source moves the peer's
// endpoint with it; failures are counted, never thrown.
using Microsoft.Extensions.Logging;
using WgSharp.Noise;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed class PeerSender(DeviceCounters counters, ILogger logger)
{
    private volatile IUdpBind? _bind;

    /// <summary>The socket sends go out on (null until the device starts; replaced when the port changes).</summary>
    public IUdpBind? Bind
    {
        get => _bind;
        set => _bind = value;
    }

    /// <summary>
    /// Reserves a counter for <paramref name="packet"/> to <paramref name="peer"/> (true: the caller seals it under
    /// <paramref name="reservation"/>), or, with no session, queues it in the engine for a handshake and sends the
    /// initiation the engine hands back. False also when the peer has no endpoint (counted).
    /// </summary>
    public bool TryReserveOrQueue(Peer peer, ReadOnlySpan<byte> packet, byte[] scratch, out SendReservation reservation)
    {
        reservation = default;
        if (!peer.TryGetEndpoint(out _))
        {
            counters.Drop(DeviceDrop.NoEndpoint);
            return false;
        }

        if (peer.Tunnel.TryReserveSend(out reservation))
        {
            return true;
        }

        TunnelResult result = peer.Tunnel.QueueForHandshake(packet, scratch);
        if (result.Operation == TunnelOperation.WriteToNetwork)
        {
            DeviceLog.Sending(logger, peer, "handshake initiation");
            SendControl(peer, result.Packet);
        }

        return false;
    }

    /// <summary>
    /// Sends <paramref name="count"/> sealed packets (from offset 0 of <paramref name="buffers"/>) where each goes to
    /// <paramref name="targets"/>[i] (null: not sent), all packets of one peer in one send, in their order. Uses
    /// <paramref name="runBuffers"/>/<paramref name="runSizes"/> (at least <paramref name="count"/> long) as the
    /// send vector and leaves them and <paramref name="targets"/> cleared.
    /// </summary>
    public void SendGrouped(byte[][] buffers, int[] sizes, Peer?[] targets, int count, byte[][] runBuffers, int[] runSizes)
    {
        for (int r = 0; r < count; r++)
        {
            Peer? peer = targets[r];
            if (peer is null)
            {
                continue;
            }

            int run = 0;
            for (int k = r; k < count; k++)
            {
                if (targets[k] == peer)
                {
                    runBuffers[run] = buffers[k];
                    runSizes[run] = sizes[k];
                    run++;
                    targets[k] = null;
                }
            }

            SendRun(peer, runBuffers, runSizes, run);
        }

        Array.Clear(runBuffers, 0, count);
        Array.Clear(targets, 0, count);
    }

    /// <summary>Sends a run of sealed packets to one peer in one call.</summary>
    public void SendRun(Peer peer, byte[][] buffers, int[] sizes, int count)
    {
        IUdpBind? bind = _bind;
        if (bind is null || !peer.TryGetEndpoint(out UdpEndpoint endpoint))
        {
            counters.Drop(DeviceDrop.NoEndpoint);
            return;
        }

        Send(bind, peer, endpoint, buffers, sizes, count);
    }

    /// <summary>Sends one datagram the engine produced (a handshake message, keepalive or queued packet) to a peer.</summary>
    public void SendControl(Peer peer, ReadOnlySpan<byte> datagram)
    {
        if (!peer.TryGetEndpoint(out UdpEndpoint endpoint))
        {
            counters.Drop(DeviceDrop.NoEndpoint);
            return;
        }

        IUdpBind? bind = _bind;
        if (bind is null)
        {
            return;
        }

        // Control messages are rare: a small array per call is fine here, never on the data path.
        Send(bind, peer, endpoint, [datagram.ToArray()], [datagram.Length], 1);
    }

    /// <summary>Sends what the engine has queued for a peer (Decapsulate with no input until it has nothing more).</summary>
    public void DrainQueued(Peer peer, byte[] scratch)
    {
        if (peer.Tunnel.QueuedPackets == 0)
        {
            return;
        }

        TunnelResult result;
        while ((result = peer.Tunnel.Decapsulate(default, scratch)).Operation == TunnelOperation.WriteToNetwork)
        {
            SendControl(peer, result.Packet);
        }
    }

    /// <summary>
    /// Sends <paramref name="datagram"/> back to <paramref name="source"/> (no peer: a cookie reply) through a
    /// one-datagram vector the caller owns, so that an unauthenticated sender costs no allocation.
    /// </summary>
    public void SendToSource(UdpEndpoint source, ReadOnlySpan<byte> datagram, byte[] buffer, byte[][] vector, int[] sizes)
    {
        IUdpBind? bind = _bind;
        if (bind is null)
        {
            return;
        }

        datagram.CopyTo(buffer); // usually onto itself: the engine wrote it there
        vector[0] = buffer;
        sizes[0] = datagram.Length;
        if (!bind.Send(vector, sizes, 1, 0, ref source).Succeeded)
        {
            counters.Drop(DeviceDrop.SendFailed);
        }
    }

    private void Send(IUdpBind bind, Peer peer, UdpEndpoint endpoint, byte[][] buffers, int[] sizes, int count)
    {
        UdpEndpoint before = endpoint;
        UdpSendResult result = bind.Send(buffers, sizes, count, 0, ref endpoint);
        if (!endpoint.Equals(before) || endpoint.HasSource != before.HasSource)
        {
            peer.UpdateEndpointFromPacket(endpoint); // the sticky source was cleared by the bind
        }

        if (!result.Succeeded)
        {
            counters.Drop(DeviceDrop.SendFailed);
            DeviceLog.SendFailed(logger, peer, endpoint.ToString(), result.Describe());
        }
    }
}
