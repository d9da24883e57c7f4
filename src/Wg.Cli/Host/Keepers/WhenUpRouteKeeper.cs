// The daemon's kernel routes for `Routes = when-up` peers: while such a peer has a live session its AllowedIPs
// are routed `dev <if> table <WhenUpRouteTable> proto static metric 10`; when the session dies they go, so
// traffic fails over to the next route (a less specific one, or a backup route with a higher metric). Likewise the
// per-peer steering tables `wgsharp up` recorded in the state file get `default dev <if>` while their peer is live,
// so the [Rule] steering rules that look them up fall through to the next rule while it is not; a when-up peer's
// default route with Table = auto lives in such a table too (policy rules as wg-quick's), never in the shared one.
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Tun;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

/// <summary>
/// Follows peer liveness (events raised off the data path wake it) and keeps the kernel routes in step. All kernel
/// work runs on one background task, never on the thread that raised the event: the device may hold its own locks
/// then, and the keeper reads the device's snapshots. The desired set is recomputed as a whole each time from the
/// device's liveness (also every <see cref="ResyncInterval"/>, which picks up AllowedIPs or configuration changed by
/// `wg set`/`syncconf` and steering tables `up` recorded since), so a lost event cannot leave a route behind. <see cref="DisposeAsync"/> removes every route it added;
/// those it did not get to vanish with the interface anyway (the kernel drops routes of a deleted link).
/// </summary>
internal sealed class WhenUpRouteKeeper : IAsyncDisposable
{
    /// <summary>The metric of the keeper's routes (<see cref="KernelRoutes.WhenUpMetric"/>).</summary>
    public const uint Metric = KernelRoutes.WhenUpMetric;

    /// <summary>How often the keeper looks again without an event: the device raises none for a peer that is already
    /// live when a configuration makes it when-up (as `up` does right after the handshake), and `up` records its
    /// steering tables after the daemon started, so this bounds how long such a peer goes unrouted.</summary>
    public static readonly TimeSpan ResyncInterval = TimeSpan.FromSeconds(2);

    private readonly IDevice _device;
    private readonly IRoutes _routes;
    private readonly string _interfaceName;
    private readonly ILogger _logger;
    private readonly ISteeringTables? _steering;
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    private readonly CancellationTokenSource _stop = new();
    // Kernel work and _installed; held while the device is asked for a snapshot.
    private readonly Lock _lock = new();

    // Guarded by _lock: what this keeper added and has not removed, by (prefix, table).
    private readonly Dictionary<(RoutePrefix Prefix, uint Table), RouteEntry> _installed = [];

    private Task _loop = Task.CompletedTask;
    private bool _disposed;

    /// <param name="steering">Where the per-peer steering tables come from (the state file); null for none.</param>
    public WhenUpRouteKeeper(IDevice device, IRoutes routes, string interfaceName, ILogger logger, ISteeringTables? steering = null)
    {
        _device = device;
        _routes = routes;
        _interfaceName = interfaceName;
        _logger = logger;
        _steering = steering;
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

        /// <summary>The when-up peers that are live now (RouterSnapshot.WhenUpPeers). The device's own state rather than
        /// the events: a peer that is already live when the configuration makes it when-up raises none.</summary>
        IReadOnlyCollection<PublicKey> LiveWhenUpPeers();
    }

    /// <summary>The kernel's routing tables (RtNetlink, or a fake in tests).</summary>
    internal interface IRoutes
    {
        void AddRoute(RouteEntry route);

        void DeleteRoute(RouteEntry route);
    }

    /// <summary>The per-peer steering tables of when-up peers (what `up` recorded, or a fake in tests).</summary>
    internal interface ISteeringTables
    {
        /// <summary>The tables to route into the interface while their peer is live; empty when there are none.</summary>
        IReadOnlyList<SteeringTable> Read();
    }

    /// <summary>One per-peer steering table of one address family; <paramref name="DefaultRoute"/> when it is the
    /// peer's default route table (the policy table `up` made for a when-up peer's 0.0.0.0/0 or ::/0).</summary>
    internal readonly record struct SteeringTable(PublicKey Peer, AddressFamily Family, uint Table, bool DefaultRoute = false);

    /// <summary>
    /// The tables in the plan `up` keeps for the daemon (/run/wgsharp/&lt;ifname&gt;.plan, which QuickStateStore.Save
    /// replaces atomically with the state); none unless it belongs to this daemon in this network namespace.
    /// </summary>
    internal sealed class StateFileSteeringTables(QuickStateStore store, string interfaceName, int daemonPid, ulong networkNamespace)
        : ISteeringTables
    {
        public IReadOnlyList<SteeringTable> Read()
        {
            QuickState? state = store.LoadPlan(interfaceName);
            if (state is null || state.Daemon?.Pid != daemonPid || state.NetworkNamespace != networkNamespace)
            {
                return [];
            }

            var tables = new List<SteeringTable>();
            foreach (StateWhenUpSteering entry in state.WhenUpSteering)
            {
                if (PublicKey.TryParseBase64(entry.PublicKey, out PublicKey key) && entry.Table != 0
                    && entry.Family is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                {
                    tables.Add(new SteeringTable(key, entry.Family, entry.Table, entry.Table == state.PolicyTable));
                }
            }

            return tables;
        }
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

    // Only wakes the background task: the device may raise the event while holding a lock of its own that its
    // snapshots need, so the handler must never wait for _lock nor ask the device anything.
    private void OnLivenessChanged(PublicKey peer, bool live) => _wake.Writer.TryWrite(true);

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
        var whenUp = configuration.Peers.Where(p => p.RoutesWhenUp).Select(p => p.PublicKey).ToHashSet();
        var live = new HashSet<PublicKey>(whenUp);
        live.IntersectWith(whenUp.Count == 0 ? [] : _device.LiveWhenUpPeers());

        HashSet<(PublicKey, AddressFamily)> tabled = AddSteering(desired, configuration, whenUp, live);
        if (configuration.WhenUpRouteTable is not { } table || table == 0 || live.Count == 0)
        {
            return desired;
        }

        using DeviceSnapshot snapshot = _device.GetSnapshot();
        foreach (PeerSnapshot peer in snapshot.Peers.Where(p => live.Contains(p.PublicKey)))
        {
            foreach (IPNetwork network in peer.AllowedIps)
            {
                var prefix = RoutePrefix.FromNetwork(network);
                if (prefix.IsDefault && tabled.Contains((peer.PublicKey, prefix.Family)))
                {
                    // The peer's own table carries its default route (policy rules look it up); in the shared table it
                    // would compete with the WAN's default route by metric, and lose to a lower one.
                    continue;
                }

                desired.TryAdd((prefix, table), Route(prefix, table));
            }
        }

        return desired;
    }

    // `default dev <if> table T` for each steering table whose peer is live; also for a peer that a later
    // configuration (syncconf) made `Routes = always`, whose rules then steer always. A peer the configuration no
    // longer names gets none: its rules fall through.
    // Returns the (peer, family) pairs whose default route has a table of its own.
    private HashSet<(PublicKey, AddressFamily)> AddSteering(Dictionary<(RoutePrefix, uint), RouteEntry> desired, RouterConfiguration configuration,
        HashSet<PublicKey> whenUp, HashSet<PublicKey> live)
    {
        var tabled = new HashSet<(PublicKey, AddressFamily)>();
        if (_steering is null)
        {
            return tabled;
        }

        IReadOnlyList<SteeringTable> tables;
        try
        {
            tables = _steering.Read();
        }
        catch (QuickException e)
        {
            // A damaged state file steers nothing (Save replaces it atomically, so this is not a half-written one).
            _logger.LogWarning("when-up steering tables not read: {Message}", e.Message);
            tables = [];
        }

        foreach (SteeringTable steering in tables)
        {
            if (steering.DefaultRoute)
            {
                tabled.Add((steering.Peer, steering.Family));
            }

            bool routed = whenUp.Contains(steering.Peer)
                ? live.Contains(steering.Peer)
                : configuration.Peers.Any(p => p.PublicKey == steering.Peer);
            if (routed)
            {
                RoutePrefix prefix = RoutePrefix.Default(steering.Family);
                desired.TryAdd((prefix, steering.Table), Route(prefix, steering.Table));
            }
        }

        return tabled;
    }

    private RouteEntry Route(RoutePrefix prefix, uint table) => KernelRoutes.WhenUp(prefix, _interfaceName, table);

    private bool Add(RouteEntry route)
    {
        try
        {
            _routes.AddRoute(route);
            _logger.LogInformation("when-up route added: {Route}", route.ToCommandArguments());
            return true;
        }
        catch (NetlinkException e) when (e.Errno == Errno.EEXIST)
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
        catch (NetlinkException e) when (e.Errno is Errno.ESRCH or Errno.ENOENT or Errno.ENODEV)
        {
            // Gone already (the interface went, or someone removed it).
        }
        catch (NetlinkException e)
        {
            _logger.LogWarning("when-up route {Route} not removed: {Message}", route.ToCommandArguments(), e.Message);
        }
    }
}
