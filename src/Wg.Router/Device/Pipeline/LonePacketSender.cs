// Packets the device sends one at a time, outside the batch pipelines: the ICMP errors it originates and the
// fragments a first fragment released from the NAT's hold. Into the TUN under a lock (the TUN writers of the
// pipelines each own their vectors; these share one), or sealed for a peer and sent as a control datagram.
using WgSharp.Noise;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed class LonePacketSender
{
    private readonly ITunDevice _tun;
    private readonly PeerSender _sender;
    private readonly Lock _writeLock = new();
    private readonly byte[][] _buffers = new byte[1][];
    private readonly int[] _sizes = new int[1];

    public LonePacketSender(ITunDevice tun, PeerSender sender)
    {
        _tun = tun;
        _sender = sender;
    }

    /// <summary>Writes the packet at <see cref="PacketBatch.HeadRoom"/> in <paramref name="buffer"/> into the TUN.</summary>
    public void WriteToTun(byte[] buffer, int length)
    {
        lock (_writeLock)
        {
            _buffers[0] = buffer;
            _sizes[0] = length;
            _tun.Write(_buffers, _sizes, 1, PacketBatch.HeadRoom);
            _buffers[0] = null!;
        }
    }

    /// <summary>
    /// Seals the packet at <see cref="PacketBatch.HeadRoom"/> in <paramref name="buffer"/> for <paramref name="peer"/>
    /// in place and sends it; nothing is sent while the peer has no session (the packet is not queued).
    /// </summary>
    public void SealAndSend(Peer peer, byte[] buffer, int length)
    {
        TunnelResult result = peer.Tunnel.Encapsulate(buffer.AsSpan(PacketBatch.HeadRoom, length), buffer);
        if (result.Operation == TunnelOperation.WriteToNetwork)
        {
            _sender.SendControl(peer, result.Packet);
        }
    }
}
