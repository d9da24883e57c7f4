// A WireGuard interface: the owner that wires its parts, starts and stops their threads, and applies
// configuration (WireGuardDevice.Configuration). The parts, each in its folder:
//   Pipeline/   OutboundPipeline (TUN → route → seal → UDP), InboundPipeline (UDP → open → source check
//               → router → TUN), the BatchStage both share (pools, crypto workers), PeerSender, IcmpResponder;
//   Handshakes/ HandshakeWorker (its own queue and thread, under-load detection, cookie replies);
//   Timers/     TimerWorker (one thread ticks all peers);
//   Peers/      PeerTable (peers by key, by tag, by AllowedIPs);
//   ../Policy/  PolicyRouter, the router stage the pipelines call once per packet each way.
// One clock (the TimeProvider given here) serves every part.
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using WgSharp.Noise;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Policy;
using WgSharp.Tun;

namespace WgSharp.Router.Device;

public sealed partial class WireGuardDevice : IDisposable
{
    private readonly ITunDevice _tun;
    private readonly Func<ushort, IUdpBind> _openBind;
    private readonly ILogger _logger;
    private readonly TunnelDirectory _directory;
    private readonly DeviceCounters _counters = new();
    private readonly PeerTable _peers = new();
    private readonly PeerSender _sender;
    private readonly BatchStage _stage;
    private readonly PolicyRouter _policy;
    private readonly OutboundPipeline _outbound;
    private readonly InboundPipeline _inbound;
    private readonly HandshakeWorker _handshakes;
    private readonly TimerWorker _timers;

    private readonly List<Thread> _threads = [];
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private volatile bool _closing;
    private int _disposed;

    public WireGuardDevice(ITunDevice tun, Func<ushort, IUdpBind> openBind, ILogger logger, TimeProvider? time = null, IRandomSource? random = null)
    {
        _tun = tun;
        _openBind = openBind;
        _logger = logger;
        TimeProvider clock = time ?? TimeProvider.System;
        _directory = new TunnelDirectory(clock, random ?? SystemRandomSource.Instance);
        _sender = new PeerSender(_counters, logger);
        _stage = new BatchStage(_directory);
        var icmp = new IcmpResponder(tun, _sender, clock);
        _policy = new PolicyRouter(_peers, _sender, icmp, _counters, logger, clock, RaiseLivenessChanged);
        _handshakes = new HandshakeWorker(_directory, _sender, _counters, logger, clock);
        _outbound = new OutboundPipeline(tun, _stage, _peers, _policy, _sender, icmp, _counters, logger, reason => Close(reason));
        _inbound = new InboundPipeline(tun, _directory, _stage, _peers, _policy, _sender, _handshakes, _counters, logger, clock);
        _timers = new TimerWorker(_directory, _peers, _sender, _handshakes, _policy, logger, clock);
    }

    /// <summary>Raised on the timer thread when a `Routes = when-up` peer's live-session state flips (see PeerLiveness).</summary>
    public event Action<PublicKey, bool>? PeerLivenessChanged;

    public string Name => _tun.Name;

    public DeviceCounters Counters => _counters;

    /// <summary>Engine drops of every peer and of the device, by reason.</summary>
    public DropCounters EngineDrops => _directory.Drops;

    /// <summary>Completes when the device has stopped (closed, or its interface deleted).</summary>
    public Task Completion => _stopped.Task;

    /// <summary>Whether any peer has a usable session (for tests and `show`).</summary>
    public bool HasAnySession => _peers.List.Any(p => p.Tunnel.HasSession);

    /// <summary>Why the device stopped, once it has.</summary>
    public string? StopReason { get; private set; }

    /// <summary>Timer ticks completed so far (tests wait for ticks instead of sleeping).</summary>
    public long TimerTicks => _timers.Ticks;

    /// <summary>The handshake worker (tests drive it directly).</summary>
    internal HandshakeWorker Handshakes => _handshakes;

    /// <summary>The outbound pipeline (the benchmarks call its routing step).</summary>
    internal OutboundPipeline Outbound => _outbound;

    /// <summary>The router stage (the benchmarks call it directly).</summary>
    internal PolicyRouter Policy => _policy;

    /// <summary>Binds the UDP port (0: the kernel picks) and starts every thread.</summary>
    public void Start(ushort listenPort = 0)
    {
        IUdpBind bind = _openBind(listenPort);
        _sender.Bind = bind;
        _listenPort = listenPort;
        SetMtu(_tun.Mtu);

        StartThread("tun-reader", _outbound.ReadTunLoop);
        StartThread("udp-sender", _outbound.SendInOrderLoop);
        StartThread("tun-writer", _inbound.DeliverInOrderLoop);
        for (int i = 0; i < Math.Max(2, Environment.ProcessorCount); i++)
        {
            StartThread($"crypto-{i}", _stage.CryptoLoop);
        }

        StartThread("handshakes", _handshakes.Loop);
        StartThread("timers", () => _timers.Loop(_stopping.Token));
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
        _sender.Bind?.Close();
        _handshakes.Complete();
        // A reader waiting for a free batch (all of them in flight) must wake up too.
        _stage.Complete();
        _outbound.Complete();
        _inbound.Complete();
        foreach (Thread thread in _threads)
        {
            if (thread != Thread.CurrentThread)
            {
                thread.Join(TimeSpan.FromSeconds(5));
            }
        }

        lock (_configLock)
        {
            _peers.Clear();
            _directory.Dispose();
        }

        _stopped.TrySetResult();
    }

    public void Dispose() => Close();

    private void StartReceivers(IUdpBind bind)
    {
        foreach (AddressFamily family in new[] { AddressFamily.InterNetwork, AddressFamily.InterNetworkV6 })
        {
            if (bind.Supports(family))
            {
                StartThread(family == AddressFamily.InterNetwork ? "udp-receive-v4" : "udp-receive-v6", () => _inbound.ReceiveLoop(bind, family));
            }
        }
    }

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
            foreach (Peer peer in _peers.All)
            {
                peer.Tunnel.Mtu = mtu;
            }

            if (_policy.Configuration.MssClamp == RouterConfiguration.MssClampAuto)
            {
                _policy.Recompile(EffectiveMtu); // auto clamping follows the MTU
            }
        }
    }

    // Going down drops every session and queued packet, as wireguard-go does when its device goes down.
    private void FlushSessions()
    {
        foreach (Peer peer in _peers.List)
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
                    _timers.LinkUp = true;
                    DeviceLog.LinkState(_logger, "up");
                    break;
                case TunEventKind.Down:
                    _timers.LinkUp = false;
                    FlushSessions();
                    DeviceLog.LinkState(_logger, "down");
                    break;
                case TunEventKind.MovedToOtherNamespace:
                    // Its state can no longer be watched from here; whoever moved it is configuring it.
                    _timers.LinkUp = true;
                    break;
            }
        }
    }

    private void RaiseLivenessChanged(Peer peer, bool live)
    {
        try
        {
            PeerLivenessChanged?.Invoke(peer.PublicKey, live);
        }
        catch (Exception e)
        {
            // A subscriber's failure must not stop the timer thread.
            DeviceLog.TunError(_logger, $"PeerLivenessChanged handler failed: {e.Message}");
        }
    }
}
