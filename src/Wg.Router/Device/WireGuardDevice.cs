// A WireGuard interface: the TUN edge, the UDP edge, the engine's tunnels and the threads between
// them (ARCHITECTURE.md, "the packet's path"). Outbound: TUN reader → cryptokey routing and counter
// reservation (in order) → crypto workers (parallel) → UDP sender (in order). Inbound: UDP receivers →
// crypto workers → AllowedIPs source check → TUN writer (in order). Handshakes have their own queue and
// thread, so a flood of initiations cannot starve established tunnels; one timer thread ticks all peers.
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using WgSharp.Noise;
using WgSharp.Router.Configuration;
using WgSharp.Router.Routing;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

internal sealed partial class WireGuardDevice : IDisposable
{
    /// <summary>
    /// Packets per batch: what one TUN read or one UDP receive may return. 64 holds the segments of a whole 64 KiB
    /// TSO super-packet at the usual MTUs (45 at 1420), so it stays together: one GSO send, one GRO receive at the
    /// peer, one coalesced TUN write there; and each hand-off between threads moves twice as much as with 32.
    /// </summary>
    public const int BatchCapacity = 64;

    /// <summary>Batches per direction at most: bounds the memory in flight (each buffer is 64 KiB of address space; only
    /// the pages packets touch become resident). They are made as traffic needs them (PacketBatchPool).</summary>
    public const int BatchesPerDirection = 6;

    /// <summary>
    /// A batch with at most this many packets to seal or open is processed by the thread that read it instead of a
    /// crypto worker: for a few packets (TCP ACKs coming back, light traffic) waking a worker and then the in-order
    /// stage costs more than the crypto itself. Batches that large only arrive when the reader is ahead.
    /// </summary>
    public const int InlineCryptoPackets = 8;

    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(100);

    private readonly ITunDevice _tun;
    private readonly Func<ushort, IUdpBind> _openBind;
    private readonly ILogger _logger;
    private readonly TunnelDirectory _directory;
    private readonly TimeProvider _time;
    private readonly long _epoch;
    private readonly IpPrefixTrie<Peer> _allowedIps = new();
    private readonly DeviceCounters _counters = new();

    // Free batches (the pools) and the queues between stages. All bounded by the pool size.
    private readonly PacketBatchPool _freeOutbound = new(BatchesPerDirection, BatchCapacity, isInbound: false);
    private readonly PacketBatchPool _freeInbound = new(BatchesPerDirection, BatchCapacity, isInbound: true);
    private readonly BatchQueue<PacketBatch> _crypto = new(2 * BatchesPerDirection);
    private readonly BatchQueue<PacketBatch> _sendInOrder = new(BatchesPerDirection);
    private readonly BatchQueue<PacketBatch> _deliverInOrder = new(BatchesPerDirection);

    private readonly List<Thread> _threads = [];
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private volatile IUdpBind? _bind;
    private volatile bool _closing;

    // The TUN link's state (IFF_UP and running). Like wireguard-go, a device whose interface is down
    // sends nothing on its own: no handshakes, no keepalives.
    private volatile bool _linkUp;
    private int _disposed;

    public WireGuardDevice(ITunDevice tun, Func<ushort, IUdpBind> openBind, ILogger logger, TimeProvider? time = null, IRandomSource? random = null)
    {
        _tun = tun;
        _openBind = openBind;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        _epoch = _time.GetTimestamp();
        _directory = new TunnelDirectory(_time, random ?? SystemRandomSource.Instance);
    }

    public string Name => _tun.Name;

    public DeviceCounters Counters => _counters;

    /// <summary>Engine drops of every peer and of the device, by reason.</summary>
    public DropCounters EngineDrops => _directory.Drops;

    /// <summary>Completes when the device has stopped (closed, or its interface deleted).</summary>
    public Task Completion => _stopped.Task;

    /// <summary>Whether any peer has a usable session (for tests and `show`).</summary>
    public bool HasAnySession => _peerList.Any(p => p.Tunnel.HasSession);

    /// <summary>Why the device stopped, once it has.</summary>
    public string? StopReason { get; private set; }

    /// <summary>Binds the UDP port (0: the kernel picks) and starts every thread.</summary>
    public void Start(ushort listenPort = 0)
    {
        IUdpBind bind = _openBind(listenPort);
        _bind = bind;
        _listenPort = listenPort;
        SetMtu(_tun.Mtu);

        StartThread("tun-reader", ReadTunLoop);
        StartThread("udp-sender", SendInOrderLoop);
        StartThread("tun-writer", DeliverInOrderLoop);
        for (int i = 0; i < Math.Max(2, Environment.ProcessorCount); i++)
        {
            StartThread($"crypto-{i}", CryptoLoop);
        }

        StartThread("handshakes", HandshakeLoop);
        StartThread("timers", TimerLoop);
        StartThread("tun-events", TunEventLoop);
        StartReceivers(bind);
        DeviceLog.Started(_logger, _tun.Name, bind.Port);
    }

    /// <summary>Stops the device: closes the TUN and the sockets, ends every thread, erases every key.</summary>
    public void Close(string reason = "closed")
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        StopReason = reason;
        DeviceLog.Stopping(_logger, reason);
        _closing = true;
        _stopping.Cancel();
        _tun.Close();
        _bind?.Close();
        _handshakeQueue.Writer.TryComplete();
        // A reader waiting for a free batch (all of them in flight) must wake up too.
        _freeOutbound.Complete();
        _freeInbound.Complete();
        _crypto.Complete();
        _sendInOrder.Complete();
        _deliverInOrder.Complete();
        foreach (Thread thread in _threads)
        {
            if (thread != Thread.CurrentThread)
            {
                thread.Join(TimeSpan.FromSeconds(5));
            }
        }

        lock (_configLock)
        {
            foreach (Peer peer in _peers.Values)
            {
                peer.Dispose();
            }

            _peers.Clear();
            _directory.Dispose();
        }

        _stopped.TrySetResult();
    }

    public void Dispose() => Close();

    private void StartThread(string name, Action body)
    {
        var thread = new Thread(() => RunStage(name, body)) { IsBackground = true, Name = $"wg-{name}" };
        lock (_threads)
        {
            _threads.Add(thread);
        }

        thread.Start();
    }

    // A stage that ends by surprise takes the device down with it, loudly: a half-working tunnel is worse.
    private void RunStage(string name, Action body)
    {
        try
        {
            body();
        }
        catch (Exception e) when (!_closing)
        {
            DeviceLog.TunError(_logger, $"{name} failed: {e.Message}");
            ThreadPool.QueueUserWorkItem(_ => Close($"internal error in {name}: {e.Message}"));
        }
        catch (Exception) when (_closing)
        {
            // Shutting down: I/O on closed descriptors is expected to fail.
        }
    }

    private void SetMtu(int mtu)
    {
        lock (_configLock)
        {
            _mtu = mtu;
            foreach (Peer peer in _peers.Values)
            {
                peer.Tunnel.Mtu = mtu;
            }

            if (_routerConfiguration.MssClamp == RouterConfiguration.MssClampAuto)
            {
                CompileRouter(); // auto clamping follows the MTU
            }
        }
    }

    // Going down drops every session and queued packet, as wireguard-go does when its device goes down.
    private void FlushSessions()
    {
        foreach (Peer peer in _peerList)
        {
            peer.Tunnel.ClearSessions();
        }
    }

    private void TunEventLoop()
    {
        while (_tun.Events.TryReadBlocking(out TunEvent e))
        {
            switch (e.Kind)
            {
                case TunEventKind.Deleted:
                    ThreadPool.QueueUserWorkItem(_ => Close("interface deleted"));
                    return;
                case TunEventKind.MtuChanged:
                    SetMtu(_tun.Mtu);
                    DeviceLog.MtuChanged(_logger, _tun.Mtu);
                    break;
                case TunEventKind.Up:
                    _linkUp = true;
                    DeviceLog.LinkState(_logger, "up");
                    break;
                case TunEventKind.Down:
                    _linkUp = false;
                    FlushSessions();
                    DeviceLog.LinkState(_logger, "down");
                    break;
                case TunEventKind.MovedToOtherNamespace:
                    // Its state can no longer be watched from here; whoever moved it is configuring it.
                    _linkUp = true;
                    break;
            }
        }
    }
}
