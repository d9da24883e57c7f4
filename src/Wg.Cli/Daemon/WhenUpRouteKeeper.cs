// The daemon's kernel routes for `Routes = when-up` peers: while such a peer has a live session its AllowedIPs
// are routed `dev <if> table <WhenUpRouteTable> proto static metric 10`; when the session dies they go, so
// traffic fails over to the next route (a less specific one, or a backup route with a higher metric).
using System.Net;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun.Interop;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Daemon;

/// <summary>
/// Follows peer liveness (events raised off the data path) and keeps the kernel routes in step. All kernel work runs
/// on one background task, never on the thread that raised the event: the device may hold its own locks then, and
/// the keeper reads the device's snapshot. The desired set is recomputed as a whole each time (also every
/// <see cref="ResyncInterval"/>, which picks up AllowedIPs or configuration changed by `wg set`/`syncconf`), so a
/// lost or reordered event cannot leave a route behind. <see cref="DisposeAsync"/> removes every route it added;
/// those it did not get to vanish with the interface anyway (the kernel drops routes of a deleted link).
/// </summary>
internal sealed class WhenUpRouteKeeper : IAsyncDisposable
{
    /// <summary>The metric of the keeper's routes: distinct (recognisable, and coexisting with a same-prefix route of
    /// metric 0); a backup route meant to take over when the peer is down needs a higher one.</summary>
    public const uint Metric = 10;

    public static readonly TimeSpan ResyncInterval = TimeSpan.FromSeconds(10);

    private readonly IDevice _device;
    private readonly IRoutes _routes;
    private readonly string _interfaceName;
    private readonly ILogger _logger;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly CancellationTokenSource _stop = new();
    // Kernel work and _installed; held while the device is asked for a snapshot.
    private readonly Lock _lock = new();

    // Only ever held for a set operation: the event handler takes it, and the device may raise the event while
    // holding a lock of its own that GetSnapshot needs, so the handler must never wait for _lock.
    private readonly Lock _liveLock = new();

    // Guarded by _liveLock: the peers whose latest liveness event said live.
    private readonly HashSet<PublicKey> _live = [];

    // Guarded by _lock: what this keeper added and has not removed, by (prefix, table).
    private readonly Dictionary<(RoutePrefix Prefix, uint Table), RouteEntry> _installed = [];

    private Task _loop = Task.CompletedTask;
    private bool _disposed;

    public WhenUpRouteKeeper(IDevice device, IRoutes routes, string interfaceName, ILogger logger)
    {
        _device = device;
        _routes = routes;
        _interfaceName = interfaceName;
        _logger = logger;
        _device.PeerLivenessChanged += OnLivenessChanged;
    }

    /// <summary>What the keeper needs of the device (WireGuardDevice, or a fake in tests).</summary>
    internal interface IDevice
    {
        /// <summary>(peer, live): raised when a peer's live-session state flips.</summary>
        event Action<PublicKey, bool>? PeerLivenessChanged;

        /// <summary>The policy router's configuration in force (peers' Routes, WhenUpRouteTable).</summary>
        RouterConfiguration RouterConfiguration { get; }

        /// <summary>The peers with their AllowedIPs; the caller disposes it.</summary>
        DeviceSnapshot GetSnapshot();
    }

    /// <summary>The kernel's routing tables (RtNetlink, or a fake in tests).</summary>
    internal interface IRoutes
    {
        void AddRoute(RouteEntry route);

        void DeleteRoute(RouteEntry route);
    }

    /// <summary>The routes the keeper has added and not yet removed.</summary>
    public IReadOnlyList<RouteEntry> Installed
    {
        get
        {
            lock (_lock)
            {
                return [.. _installed.Values];
            }
        }
    }

    /// <summary>Starts the background task that reconciles on every liveness event and every <see cref="ResyncInterval"/>.</summary>
    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    /// <summary>Brings the kernel in line with the live when-up peers now (what the background task does).</summary>
    public void Reconcile()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            Dictionary<(RoutePrefix, uint), RouteEntry> desired = Desired();
            foreach (((RoutePrefix, uint) key, RouteEntry route) in _installed.Where(i => !desired.ContainsKey(i.Key)).ToArray())
            {
                Remove(route);
                _installed.Remove(key);
            }

            foreach (((RoutePrefix, uint) key, RouteEntry route) in desired)
            {
                if (!_installed.ContainsKey(key) && Add(route))
                {
                    _installed.Add(key, route);
                }
            }
        }
    }

    /// <summary>Stops following the device and removes every route the keeper added.</summary>
    public async ValueTask DisposeAsync()
    {
        _device.PeerLivenessChanged -= OnLivenessChanged;
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // the loop's way of ending
        }

        lock (_lock)
        {
            _disposed = true;
            foreach (RouteEntry route in _installed.Values)
            {
                Remove(route);
            }

            _installed.Clear();
        }

        _stop.Dispose();
    }

    private void OnLivenessChanged(PublicKey peer, bool live)
    {
        lock (_liveLock)
        {
            if (live)
            {
                _live.Add(peer);
            }
            else
            {
                _live.Remove(peer);
            }
        }

        _wake.Writer.TryWrite(true);
    }

    private async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                Reconcile();
            }
            catch (Exception e) when (e is ConfigurationException or ObjectDisposedException or InvalidOperationException)
            {
                // The device is shutting down (its snapshot refuses); the next round or disposal settles it.
                _logger.LogDebug("when-up routes: {Message}", e.Message);
            }

            using var round = CancellationTokenSource.CreateLinkedTokenSource(stop);
            round.CancelAfter(ResyncInterval);
            try
            {
                await _wake.Reader.ReadAsync(round.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                // the periodic resync
            }
        }
    }

    // Guarded by _lock (called from Reconcile).
    private Dictionary<(RoutePrefix, uint), RouteEntry> Desired()
    {
        var desired = new Dictionary<(RoutePrefix, uint), RouteEntry>();
        RouterConfiguration configuration = _device.RouterConfiguration;
        if (configuration.WhenUpRouteTable is not { } table || table == 0)
        {
            return desired;
        }

        var whenUp = configuration.Peers.Where(p => p.RoutesWhenUp).Select(p => p.PublicKey).ToHashSet();
        lock (_liveLock)
        {
            whenUp.IntersectWith(_live);
        }

        if (whenUp.Count == 0)
        {
            return desired;
        }

        using DeviceSnapshot snapshot = _device.GetSnapshot();
        foreach (PeerSnapshot peer in snapshot.Peers.Where(p => whenUp.Contains(p.PublicKey)))
        {
            foreach (IPNetwork network in peer.AllowedIps)
            {
                var prefix = new RoutePrefix(network.BaseAddress, network.PrefixLength);
                desired.TryAdd((prefix, table), new RouteEntry
                {
                    Destination = prefix,
                    OutputInterfaceName = _interfaceName,
                    Table = table,
                    Metric = Metric,
                    Protocol = RouteProtocol.Static,
                });
            }
        }

        return desired;
    }

    private bool Add(RouteEntry route)
    {
        try
        {
            _routes.AddRoute(route);
            _logger.LogInformation("when-up route added: {Route}", route.ToCommandArguments());
            return true;
        }
        catch (NetlinkException e) when (e.Errno == LibC.EEXIST)
        {
            // Someone else's identical route: it stays theirs (not removed by the keeper).
            _logger.LogInformation("when-up route {Route} exists already; left alone", route.ToCommandArguments());
            return false;
        }
        catch (NetlinkException e)
        {
            _logger.LogWarning("when-up route {Route} not added: {Message}", route.ToCommandArguments(), e.Message);
            return false;
        }
    }

    private void Remove(RouteEntry route)
    {
        try
        {
            _routes.DeleteRoute(route);
            _logger.LogInformation("when-up route removed: {Route}", route.ToCommandArguments());
        }
        catch (NetlinkException e) when (e.Errno is LibC.ESRCH or LibC.ENOENT or LibC.ENODEV)
        {
            // Gone already (the interface went, or someone removed it).
        }
        catch (NetlinkException e)
        {
            _logger.LogWarning("when-up route {Route} not removed: {Message}", route.ToCommandArguments(), e.Message);
        }
    }
}
