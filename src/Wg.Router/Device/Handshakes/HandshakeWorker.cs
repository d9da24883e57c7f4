// Handshake messages on their own bounded queue and thread (whitepaper §5.3): the device is "under
// load" while the queue is long, and then the engine demands cookies and rate-limits each source, so
// a flood of initiations costs little and cannot delay transport data. Cookie replies to senders the
// engine does not know go back where the message came from.
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using WgSharp.Noise;
using WgSharp.Noise.Messages;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed class HandshakeWorker
{
    /// <summary>Handshake messages waiting; beyond this they are dropped (wireguard-go's QueueHandshakeSize).</summary>
    public const int QueueCapacity = 1024;

    /// <summary>At this queue length the device is under load (an eighth of capacity, as wireguard-go).</summary>
    public const int UnderLoadThreshold = QueueCapacity / 8;

    /// <summary>Once under load, the device stays so for this long after the queue shrinks.</summary>
    private static readonly TimeSpan UnderLoadAfterglow = TimeSpan.FromSeconds(1);

    private readonly TunnelDirectory _directory;
    private readonly PeerSender _sender;
    private readonly DeviceCounters _counters;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<HandshakeMessage> _queue = Channel.CreateBounded<HandshakeMessage>(QueueCapacity);
    private readonly Channel<HandshakeMessage> _free = CreatePool();

    // A timestamp of the device's clock; long.MaxValue: under load for good (tests).
    private long _underLoadUntil = long.MinValue;

    public HandshakeWorker(TunnelDirectory directory, PeerSender sender, DeviceCounters counters, ILogger logger, TimeProvider time)
    {
        _directory = directory;
        _sender = sender;
        _counters = counters;
        _logger = logger;
        _time = time;
    }

    private static Channel<HandshakeMessage> CreatePool()
    {
        var pool = Channel.CreateBounded<HandshakeMessage>(QueueCapacity);
        for (int i = 0; i < QueueCapacity; i++)
        {
            pool.Writer.TryWrite(new HandshakeMessage());
        }

        return pool;
    }

    /// <summary>Queues a handshake datagram (a UDP receiver); dropped and counted when the queue is full.</summary>
    public void Enqueue(ReadOnlySpan<byte> datagram, in UdpEndpoint source)
    {
        if (datagram.Length > HandshakeMessage.MaxSize || !_free.Reader.TryRead(out HandshakeMessage? message))
        {
            _counters.Drop(DeviceDrop.HandshakeQueueFull);
            return;
        }

        datagram.CopyTo(message.Data);
        message.Length = datagram.Length;
        message.Source = source;
        if (!_queue.Writer.TryWrite(message))
        {
            _counters.Drop(DeviceDrop.HandshakeQueueFull);
            _free.Writer.TryWrite(message);
        }
    }

    /// <summary>Ends the queue (the device is closing); the loop returns once it is empty.</summary>
    public void Complete() => _queue.Writer.TryComplete();

    /// <summary>The handshake thread.</summary>
    public void Loop()
    {
        var scratch = new HandshakeScratch();
        while (_queue.Reader.TryReadBlocking(out HandshakeMessage message))
        {
            UpdateUnderLoad();
            ProcessHandshake(message, scratch);
            _free.Writer.TryWrite(message);
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
        MessageKind kind = MessageClassifier.Classify(message.Data.AsSpan(0, message.Length));
        TunnelResult result = _directory.Receive(message.Data.AsSpan(0, message.Length), address[..addressLength], source.Port, buffer, out Tunnel? tunnel);
        message.Clear();

        if (result.Operation == TunnelOperation.Drop)
        {
            // Formatting the source and reason allocates: only when someone will read it.
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                DeviceLog.HandshakeDropped(_logger, MessageClassifier.Name(kind), source.ToString(), result.DropReason.ToString());
            }

            return;
        }

        if (tunnel?.Owner is not Peer peer)
        {
            // A cookie reply to an unknown sender goes back where the message came from.
            if (result.Operation == TunnelOperation.WriteToNetwork)
            {
                _sender.SendToSource(source, result.Packet, scratch.Buffer, scratch.SendBuffers, scratch.SendSizes);
            }

            return;
        }

        DeviceLog.Received(_logger, peer, MessageClassifier.Name(kind));
        if (kind != MessageKind.CookieReply)
        {
            peer.UpdateEndpointFromPacket(source); // an authenticated handshake message: roaming
            peer.NoteHandshakeFrom(source, isResponse: kind == MessageKind.HandshakeResponse); // where handshakes complete (endpoint host routes)
            peer.MarkReceived(_time.GetTimestamp()); // and a sign of life (Routes = when-up)
        }

        if (result.Operation == TunnelOperation.WriteToNetwork)
        {
            DeviceLog.Sending(_logger, peer, kind == MessageKind.HandshakeInitiation ? "handshake response" : "first data or keepalive");
            _sender.SendControl(peer, result.Packet);
        }

        _sender.DrainQueued(peer, buffer);
    }

    /// <summary>Tests: keep the device under load (cookies demanded) regardless of its queue.</summary>
    internal void StayUnderLoadForTests()
    {
        _underLoadUntil = long.MaxValue;
        _directory.IsUnderLoad = true;
    }

    /// <summary>Under load while the queue is long and for <see cref="UnderLoadAfterglow"/> after (handshake and timer threads).</summary>
    public void UpdateUnderLoad()
    {
        long now = _time.GetTimestamp();
        long until = Volatile.Read(ref _underLoadUntil);
        if (_queue.Reader.Count >= UnderLoadThreshold && until != long.MaxValue)
        {
            until = now + (long)(UnderLoadAfterglow.TotalSeconds * _time.TimestampFrequency);
            Volatile.Write(ref _underLoadUntil, until);
        }

        _directory.IsUnderLoad = until == long.MaxValue || now < until;
    }
}
