// Handshake messages on their own bounded queue and thread (whitepaper §5.3): the device is "under
// load" while the queue is long, and then the engine demands cookies and rate-limits each source, so
// a flood of initiations costs little and cannot delay transport data.
using System.Threading.Channels;
using WgSharp.Noise;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed partial class WireGuardDevice
{
    /// <summary>Handshake messages waiting; beyond this they are dropped (wireguard-go's QueueHandshakeSize).</summary>
    public const int HandshakeQueueCapacity = 1024;

    /// <summary>At this queue length the device is under load (an eighth of capacity, as wireguard-go).</summary>
    public const int UnderLoadThreshold = HandshakeQueueCapacity / 8;

    /// <summary>Once under load, the device stays so for this long after the queue shrinks.</summary>
    private static readonly TimeSpan UnderLoadAfterglow = TimeSpan.FromSeconds(1);

    private readonly Channel<HandshakeMessage> _handshakeQueue = Channel.CreateBounded<HandshakeMessage>(HandshakeQueueCapacity);
    private readonly Channel<HandshakeMessage> _freeHandshakeMessages = CreateHandshakePool();
    private long _underLoadUntil;

    private static Channel<HandshakeMessage> CreateHandshakePool()
    {
        var pool = Channel.CreateBounded<HandshakeMessage>(HandshakeQueueCapacity);
        for (int i = 0; i < HandshakeQueueCapacity; i++)
        {
            pool.Writer.TryWrite(new HandshakeMessage());
        }

        return pool;
    }

    private void EnqueueHandshake(ReadOnlySpan<byte> datagram, in UdpEndpoint source)
    {
        if (datagram.Length > HandshakeMessage.MaxSize || !_freeHandshakeMessages.Reader.TryRead(out HandshakeMessage? message))
        {
            _counters.Drop(DeviceDrop.HandshakeQueueFull);
            return;
        }

        datagram.CopyTo(message.Data);
        message.Length = datagram.Length;
        message.Source = source;
        if (!_handshakeQueue.Writer.TryWrite(message))
        {
            _counters.Drop(DeviceDrop.HandshakeQueueFull);
            _freeHandshakeMessages.Writer.TryWrite(message);
        }
    }

    private void HandshakeLoop()
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(PacketBatch.BufferSize, pinned: true);
        Span<byte> address = stackalloc byte[16];
        while (_handshakeQueue.Reader.TryReadBlocking(out HandshakeMessage message))
        {
            UpdateUnderLoad();
            UdpEndpoint source = message.Source;
            int addressLength = source.CopyAddressTo(address);
            byte type = message.Data[0];
            TunnelResult result = _directory.Receive(message.Data.AsSpan(0, message.Length), address[..addressLength], source.Port, buffer, out Tunnel? tunnel);
            _freeHandshakeMessages.Writer.TryWrite(message);

            if (result.Operation == TunnelOperation.Drop)
            {
                DeviceLog.HandshakeDropped(_logger, MessageName(type), source.ToString(), result.DropReason.ToString());
                continue;
            }

            if (tunnel?.Owner is not Peer peer)
            {
                // A cookie reply to an unknown sender goes back where the message came from.
                if (result.Operation == TunnelOperation.WriteToNetwork)
                {
                    SendToSource(source, result.Packet);
                }

                continue;
            }

            DeviceLog.Received(_logger, peer, MessageName(type));
            if (type != 3)
            {
                peer.UpdateEndpointFromPacket(source); // an authenticated handshake message: roaming
                peer.NoteHandshakeFrom(source, isResponse: type == 2); // where handshakes complete (endpoint host routes)
                peer.MarkReceived(_time.GetTimestamp()); // and a sign of life (Routes = when-up)
            }

            if (result.Operation == TunnelOperation.WriteToNetwork)
            {
                DeviceLog.Sending(_logger, peer, type == 1 ? "handshake response" : "first data or keepalive");
                SendToPeer(peer, result.Packet);
            }

            DrainQueued(peer, buffer);
        }
    }

    private void UpdateUnderLoad()
    {
        long now = Environment.TickCount64;
        if (_handshakeQueue.Reader.Count >= UnderLoadThreshold)
        {
            _underLoadUntil = now + (long)UnderLoadAfterglow.TotalMilliseconds;
        }

        _directory.IsUnderLoad = now < _underLoadUntil;
    }

    private void SendToSource(UdpEndpoint source, ReadOnlySpan<byte> datagram)
    {
        IUdpBind? bind = _bind;
        if (bind is null)
        {
            return;
        }

        UdpSendResult result = bind.Send([datagram.ToArray()], [datagram.Length], 1, 0, ref source);
        if (!result.Succeeded)
        {
            _counters.Drop(DeviceDrop.SendFailed);
        }
    }

    private static string MessageName(byte type) => type switch
    {
        1 => "handshake initiation",
        2 => "handshake response",
        3 => "cookie reply",
        _ => "message",
    };

    private sealed class HandshakeMessage
    {
        public const int MaxSize = 148;

        public byte[] Data { get; } = new byte[MaxSize];

        public int Length { get; set; }

        public UdpEndpoint Source { get; set; }
    }
}
