// Keeps the endpoint host routes of split-route mode pointing at the peers' current endpoints. In that
// mode (`wgsharp up` on a kernel without policy rules) the default route is 0.0.0.0/1 + 128.0.0.0/1
// through the tunnel, and each endpoint gets a host route through the original gateway so the tunnel's
// own UDP bypasses the halves. A peer roams (its endpoint follows its latest authenticated packet), and
// without a host route for its new address the tunnel's packets to it would loop into the tunnel. A host
// route also takes that address's traffic out of the tunnel, so only addresses HandshakeEndpoints vouches
// for get one (configured, or a handshake completed from there; a few per peer), never an address a data
// packet merely came from. Where the kernel has policy rules `up` needs none of this: the tunnel's socket
// carries a fwmark that a rule sends past the tunnel's table.
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using WgSharp.Cli.Daemon;
using WgSharp.Router.Configuration;
using WgSharp.Tun;
using WgSharp.Tun.Net;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Host;

/// <summary>
/// Runs in the daemon. Every <see cref="Period"/> it compares the peers' endpoints with the endpoint host routes that
/// exist: those of `up` (in the plan `up` keeps for the daemon, /run/wgsharp/&lt;ifname&gt;.plan) and its own (in its
/// records, /run/wgsharp/&lt;ifname&gt;.daemon/routes); when they differ it adds a host route for each new endpoint
/// through the gateway the existing ones use (or the main table's default route), removes the routes of endpoints no
/// peer has any more, and records both in its records, each before the kernel is changed, so that `down` removes
/// exactly what exists, also after `kill -9`. It does nothing for interfaces not brought up by `wgsharp up`, not in
/// split-route mode, or whose plan names another daemon. Route changes run on the privileged thread.
/// </summary>
internal sealed partial class EndpointRouteKeeper : IDisposable
{
    /// <summary>How often endpoints are compared: a roamed peer's replies may loop for at most this long.</summary>
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    private readonly string _interfaceName;
    private readonly IDeviceConfigurator _device;
    private readonly QuickStateStore _store;
    private readonly RtNetlink _netlink;
    private readonly PrivilegedThread _privileged;
    private readonly ILogger _logger;
    private readonly ulong _networkNamespace;
    private readonly TimeProvider _clock;
    private readonly ITimer _timer;
    private readonly Lock _checking = new();
    // Guarded by _checking.
    private readonly HandshakeEndpoints _trusted = new();
    // The clock reading HandshakeEndpoints measures its times from.
    private readonly long _started;
    // Guarded by _checking: what this daemon changed, as its records file says.
    private readonly DaemonRouteRecords _records = new();

    /// <param name="netlink">The daemon's rtnetlink socket, used on <paramref name="privileged"/> only.</param>
    /// <param name="clock">Drives the comparisons and dates the handshakes that vouch for an endpoint.</param>
    public EndpointRouteKeeper(string interfaceName, IDeviceConfigurator device, QuickStateStore store, RtNetlink netlink,
        PrivilegedThread privileged, ILogger logger, TimeProvider clock)
    {
        _interfaceName = interfaceName;
        _device = device;
        _store = store;
        _netlink = netlink;
        _privileged = privileged;
        _logger = logger;
        _networkNamespace = NetworkNamespaceIdentity.Current();
        _clock = clock;
        _started = clock.GetTimestamp();
        _timer = clock.CreateTimer(_ => CheckSafely(), null, Period, Period);
    }

    public void Dispose()
    {
        _timer.Dispose();
        // A tick under way finishes before the daemon's netlink socket goes.
        _checking.Enter();
        _checking.Exit();
    }

    private void CheckSafely()
    {
        // A tick that finds the previous one still running skips: they would only do the same work.
        if (!_checking.TryEnter())
        {
            return;
        }

        try
        {
            Check();
        }
        catch (Exception e) when (e is NetlinkException or QuickException or IOException or UnauthorizedAccessException or System.Text.Json.JsonException)
        {
            LogFailed(_logger, _interfaceName, e.Message);
        }
        finally
        {
            _checking.Exit();
        }
    }

    /// <summary>One comparison, and the route changes it calls for (the caller holds _checking).</summary>
    internal void Check()
    {
        QuickState? plan = _store.LoadPlan(_interfaceName);
        if (!IsOurs(plan))
        {
            return;
        }

        IReadOnlyList<IPAddress> endpoints;
        using (DeviceSnapshot snapshot = _device.GetSnapshot())
        {
            endpoints = _trusted.Update(snapshot.Peers, _clock.GetElapsedTime(_started));
        }

        QuickState existing = Existing(plan!);
        EndpointRoutePlan changes = EndpointRoutePlan.Compute(existing, _interfaceName, endpoints);
        if (!changes.IsEmpty)
        {
            Apply(existing, changes);
        }
    }

    private bool IsOurs(QuickState? plan) =>
        plan is { Phase: QuickPhase.Up } && plan.Daemon?.Pid == Environment.ProcessId
        && plan.NetworkNamespace == _networkNamespace
        && plan.DefaultRoutes.Exists(d => d.Mode == DefaultRouteMode.SplitRoutes);

    // The plan with its endpoint host routes as they are now: `up`'s, minus those this daemon removed, plus its own.
    private QuickState Existing(QuickState plan)
    {
        plan.Routes.RemoveAll(r => _records.Removed.Exists(removed => removed.Destination == r.Destination));
        plan.Routes.AddRange(_records.Added);
        return plan;
    }

    private void Apply(QuickState existing, EndpointRoutePlan plan)
    {
        foreach (IPAddress endpoint in plan.Added)
        {
            if (ViaFor(existing, endpoint.AddressFamily) is not { } via)
            {
                LogNoGateway(_logger, _interfaceName, endpoint);
                continue;
            }

            RouteEntry route = KernelRoutes.EndpointHost(endpoint, via.Gateway, via.Device);
            // Recorded before it is created, as `up` does, so the records never miss a route that exists.
            StateRoute recorded = StateRoute.From(route);
            _records.Added.Add(recorded);
            _records.Removed.RemoveAll(r => r.Destination == recorded.Destination);
            SaveRecords();
            try
            {
                _privileged.Invoke(() => _netlink.AddRoute(route));
                LogAdded(_logger, _interfaceName, endpoint, via.Gateway?.ToString() ?? "(direct)", via.Device);
            }
            catch (NetlinkException e) when (e.Errno == Errno.EEXIST)
            {
                // Somebody else's route to that address: it is theirs to keep, not ours to remove.
                _records.Added.Remove(recorded);
                SaveRecords();
            }
        }

        foreach (StateRoute stale in plan.Removed)
        {
            try
            {
                _privileged.Invoke(() => _netlink.DeleteRoute(stale.ToRouteEntry()));
            }
            catch (NetlinkException e) when (e.Errno == Errno.ESRCH)
            {
                // Already gone.
            }

            if (_records.Added.RemoveAll(r => r.Destination == stale.Destination) == 0)
            {
                _records.Removed.Add(stale); // one of `up`'s
            }

            SaveRecords();
            LogRemoved(_logger, _interfaceName, stale.Destination);
        }
    }

    private void SaveRecords() => AtomicFile.Replace(
        Path.Combine(_store.DaemonDirectoryFor(_interfaceName), DaemonFiles.RecordsName),
        System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(_records, QuickStateJsonContext.Default.DaemonRouteRecords));

    // The way out the endpoint host routes of this family already take (they were computed by `up`
    // before the split halves existed), else the main table's default route of the family.
    private (IPAddress? Gateway, string Device)? ViaFor(QuickState state, AddressFamily family)
    {
        foreach (StateRoute route in EndpointRoutePlan.EndpointRoutes(state, state.Interface))
        {
            if (RoutePrefix.Parse(route.Destination).Address.AddressFamily == family && route.Device is { } device)
            {
                return (route.Gateway is null ? null : IPAddress.Parse(route.Gateway), device);
            }
        }

        foreach (RouteEntry route in _privileged.Invoke(() => _netlink.ListRoutes(family)))
        {
            if (route is { Table: IprouteNames.TableMain, Type: RouteType.Unicast } && route.Destination.IsDefault
                && route.OutputInterfaceName is { } device && device != state.Interface)
            {
                return (route.Gateway, device);
            }
        }

        return null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Interface}: endpoint host route {Endpoint} via {Gateway} dev {Device} added (a peer roamed)")]
    private static partial void LogAdded(ILogger logger, string @interface, IPAddress endpoint, string gateway, string device);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Interface}: endpoint host route {Destination} removed (no peer uses it any more)")]
    private static partial void LogRemoved(ILogger logger, string @interface, string destination);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Interface}: no route outside the tunnel for new endpoint {Endpoint}: its packets follow the split routes into the tunnel")]
    private static partial void LogNoGateway(ILogger logger, string @interface, IPAddress endpoint);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Interface}: cannot update endpoint host routes: {Reason}")]
    private static partial void LogFailed(ILogger logger, string @interface, string reason);
}
