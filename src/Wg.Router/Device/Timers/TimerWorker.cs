// One thread ticks every peer's timers: handshake retries, keepalives, rekeys and expiry all come out
// of Tunnel.UpdateTimers (whitepaper §6). The same tick lets the router stage decide liveness, and once
// a second sweeps the rate limiter, the under-load state and conntrack. Time is the device's clock.
using Microsoft.Extensions.Logging;
using WgSharp.Noise;
using WgSharp.Noise.Messages;
using WgSharp.Router.Policy;

namespace WgSharp.Router.Device;

internal sealed class TimerWorker
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly TunnelDirectory _directory;
    private readonly PeerTable _peers;
    private readonly PeerSender _sender;
    private readonly HandshakeWorker _handshakes;
    private readonly PolicyRouter _policy;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private long _ticks;

    // The TUN link's state (IFF_UP and running). Like wireguard-go, a device whose interface is down
    // sends nothing on its own: no handshakes, no keepalives.
    private volatile bool _linkUp;

    public TimerWorker(
        TunnelDirectory directory, PeerTable peers, PeerSender sender, HandshakeWorker handshakes, PolicyRouter policy, ILogger logger, TimeProvider time)
    {
        _directory = directory;
        _peers = peers;
        _sender = sender;
        _handshakes = handshakes;
        _policy = policy;
        _logger = logger;
        _time = time;
    }

    /// <summary>Whether the TUN link is up (the TUN event thread sets it).</summary>
    public bool LinkUp
    {
        get => _linkUp;
        set => _linkUp = value;
    }

    /// <summary>Timer ticks completed so far: tests wait for ticks instead of sleeping, so "nothing was sent" is
    /// asserted only after the timers have actually run past the moment something would have been.</summary>
    public long Ticks => Interlocked.Read(ref _ticks);

    /// <summary>The timer thread: a tick every <see cref="TickInterval"/> until <paramref name="stopping"/>.</summary>
    public void Loop(CancellationToken stopping)
    {
        byte[] buffer = GC.AllocateUninitializedArray<byte>(PacketBatch.BufferSize, pinned: true);
        long lastSweep = _time.GetTimestamp();
        while (!stopping.WaitHandle.WaitOne(TickInterval))
        {
            bool linkUp = _linkUp;
            foreach (Peer peer in linkUp ? _peers.List : [])
            {
                TunnelResult result;
                int guard = 0;
                while ((result = peer.Tunnel.UpdateTimers(buffer)).Operation == TunnelOperation.WriteToNetwork && guard++ < 64)
                {
                    if (peer.Tunnel.TakeEndpointSourceReset())
                    {
                        peer.ResetEndpointSource(); // the sticky source may be why the peer does not answer
                    }

                    DeviceLog.Sending(_logger, peer, Describe(result.Packet));
                    _sender.SendControl(peer, result.Packet);
                }
            }

            _policy.UpdateLiveness(_peers.List, linkUp, buffer);

            if (_time.GetElapsedTime(lastSweep) >= SweepInterval)
            {
                lastSweep = _time.GetTimestamp();
                _directory.SweepRateLimiter();
                _handshakes.UpdateUnderLoad();
                _policy.Sweep();
            }

            Interlocked.Increment(ref _ticks);
        }
    }

    private static string Describe(ReadOnlySpan<byte> datagram) =>
        MessageClassifier.Classify(datagram) == MessageKind.HandshakeInitiation ? "handshake initiation"
        : MessageClassifier.IsKeepalive(datagram) ? "keepalive" : "queued packet";
}
