// Handshake messages on their own bounded queue and thread (whitepaper §5.3): the device is "under
// load" while the queue is long, and then the engine demands cookies and rate-limits each source, so
// a flood of initiations costs little and cannot delay transport data.
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
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
        var scratch = new HandshakeScratch();
        while (_handshakeQueue.Reader.TryReadBlocking(out HandshakeMessage message))
        {
            UpdateUnderLoad();
            ProcessHandshake(message, scratch);
            _freeHandshakeMessages.Writer.TryWrite(message);
        }
    }

    /// <summary>
    /// Handles one handshake message (the handshake thread; internal for tests). Allocates nothing for anything an
    /// unauthenticated sender can send, and leaves the message's buffer zeroed for its return to the pool.
    /// </summary>
    internal void ProcessHandshake(HandshakeMessage message, HandshakeScratch scratch)
    {
        byte[] buffer = scratch.Buffer;
        Span<byte> address = stackalloc byte[16];
        UdpEndpoint source = message.Source;
        int addressLength = source.CopyAddressTo(address);
        byte type = message.Data[0];
        TunnelResult result = _directory.Receive(message.Data.AsSpan(0, message.Length), address[..addressLength], source.Port, buffer, out Tunnel? tunnel);
        message.Clear();

        if (result.Operation == TunnelOperation.Drop)
        {
            // Formatting the source and reason allocates: only when someone will read it.
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                DeviceLog.HandshakeDropped(_logger, MessageName(type), source.ToString(), result.DropReason.ToString());
            }

            return;
        }

        if (tunnel?.Owner is not Peer peer)
        {
            // A cookie reply to an unknown sender goes back where the message came from.
            if (result.Operation == TunnelOperation.WriteToNetwork)
            {
                SendToSource(source, result.Packet, scratch);
            }

            return;
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

    /// <summary>Tests: keep the device under load (cookies demanded) regardless of its queue.</summary>
    internal void StayUnderLoadForTests()
    {
        _underLoadUntil = long.MaxValue;
        _directory.IsUnderLoad = true;
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

    // Sent from scratch.Buffer, where the engine wrote it (the copy is then onto itself): no array per reply.
    private void SendToSource(UdpEndpoint source, ReadOnlySpan<byte> datagram, HandshakeScratch scratch)
    {
        IUdpBind? bind = _bind;
        if (bind is null)
        {
            return;
        }

        datagram.CopyTo(scratch.Buffer);
        scratch.SendBuffers[0] = scratch.Buffer;
        scratch.SendSizes[0] = datagram.Length;
        UdpSendResult result = bind.Send(scratch.SendBuffers, scratch.SendSizes, 1, 0, ref source);
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

    /// <summary>A handshake datagram waiting in the queue; pooled.</summary>
    internal sealed class HandshakeMessage
    {
        public const int MaxSize = 148;

        public byte[] Data { get; } = new byte[MaxSize];

        public int Length { get; set; }

        public UdpEndpoint Source { get; set; }

        /// <summary>Forgets the message before the buffer goes back to the pool (nothing of a peer's lingers there).</summary>
        public void Clear()
        {
            Array.Clear(Data);
            Length = 0;
            Source = default;
        }
    }

    /// <summary>What the handshake thread writes into: the engine's output and a one-datagram send vector.</summary>
    internal sealed class HandshakeScratch
    {
        public byte[] Buffer { get; } = GC.AllocateUninitializedArray<byte>(PacketBatch.BufferSize, pinned: true);

        public byte[][] SendBuffers { get; } = new byte[1][];

        public int[] SendSizes { get; } = new int[1];
    }
}
