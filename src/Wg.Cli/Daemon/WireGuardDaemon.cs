// `wgsharp <ifname>`: one WireGuard interface served until it is told to stop. Creates the TUN device,
// starts the device pipeline, and serves the UAPI socket /var/run/wireguard/<ifname>.sock that `wg`
// talks to. It stops on SIGTERM/SIGINT, when the interface is deleted (`ip link del`), or when its
// socket file is removed (how `wg-quick down` stops userspace daemons), and cleans up behind itself.
// While it runs, WhenUpRouteKeeper keeps the kernel routes (and [Rule] steering tables) of `Routes = when-up` peers
// in step with their liveness.
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using WgSharp.Cli.Host;
using WgSharp.Cli.Uapi;
using WgSharp.Noise.Keys;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;
using WgSharp.Tun;
using WgSharp.Tun.Netlink;

namespace WgSharp.Cli.Daemon;

internal sealed class WireGuardDaemon
{
    private readonly string _interfaceName;
    private readonly ILogger _logger;
    private readonly PrivilegedThread _privileged;
    private readonly string? _user;
    private readonly TimeProvider _clock;

    /// <param name="privileged">The thread that keeps capabilities once root is given up.</param>
    /// <param name="user">The user to become (DaemonPrivileges); null for the default, "root" to stay root.</param>
    /// <param name="clock">The clock of the daemon's own route keeping (the device keeps its own).</param>
    public WireGuardDaemon(string interfaceName, ILogger logger, PrivilegedThread privileged, string? user, TimeProvider clock)
    {
        _interfaceName = interfaceName;
        _logger = logger;
        _privileged = privileged;
        _user = user;
        _clock = clock;
    }

    /// <summary>
    /// Brings the interface up, gives up root, calls <paramref name="ready"/> once `wg` can talk to it (with lines
    /// for the user on what it runs as), and runs until stopped. Startup failures throw
    /// <see cref="DaemonStartException"/> with a message for the user.
    /// </summary>
    public async Task<string> RunAsync(Action<IReadOnlyList<string>> ready)
    {
        string socketPath = UapiSocket.PathFor(_interfaceName);
        if (UapiSocket.IsAnswering(socketPath))
        {
            throw new DaemonStartException($"{socketPath}: socket in use: a daemon is already running for interface '{_interfaceName}'.");
        }

        TunDevice tun;
        try
        {
            tun = TunDevice.Create(_interfaceName);
        }
        catch (TunException e)
        {
            throw new DaemonStartException(e.Message);
        }

        // Sockets are opened (a port below 1024 needs CAP_NET_BIND_SERVICE) and marked on the privileged thread.
        var device = new WireGuardDevice(tun, port => _privileged.Invoke(() => (IUdpBind)new PrivilegedUdpBind(UdpBind.Open(port), _privileged)), _logger);
        UapiServer? uapi = null;
        RtNetlink? netlink = null;
        WhenUpRouteKeeper? keeper = null;
        System.Diagnostics.Process? socketRemover = null;
        try
        {
            // Signals are taken over before anything is visible from outside (the socket appears in UapiServer.Start):
            // a SIGTERM that arrives while the rest starts up still gets the clean shutdown below.
            var signalled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, "received SIGTERM"));
            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, "received SIGINT"));
            using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => Stop(c, "received SIGHUP"));

            try
            {
                device.Start();
            }
            catch (UdpBindException e)
            {
                throw new DaemonStartException($"cannot open the UDP socket: {e.Message}");
            }

            try
            {
                uapi = UapiServer.Start(_interfaceName, device, line => _logger.LogDebug("UAPI: {Line}", line));
            }
            catch (Exception e) when (e is UapiSocketInUseException or IOException or System.Net.Sockets.SocketException or UnauthorizedAccessException)
            {
                throw new DaemonStartException($"cannot listen on {socketPath}: {e.Message}");
            }

            _logger.LogDebug("UAPI listener started on {Path}", socketPath);
            // A daemon `wgsharp up` started follows the plan `up` keeps for it in /run/wgsharp (its when-up steering tables,
            // split-route endpoints) and records the endpoint host routes it adds in its own directory there (DaemonFiles);
            // it can read and write both as the user it becomes. Started otherwise, it finds no plan and keeps none.
            (string Name, uint Uid, uint Gid)? dropTo = DaemonPrivileges.Resolve(_user, out string staying);
            bool staysRoot = dropTo is null;
            var store = new Host.QuickStateStore(clock: _clock);

            // Without rtnetlink (no CAP_NET_ADMIN) the daemon still serves; only when-up and endpoint routes are not kept.
            netlink = RtNetlink.TryOpen(out int errno);
            if (netlink is null)
            {
                _logger.LogWarning("no rtnetlink socket (errno {Errno}): kernel routes of Routes = when-up peers and roaming endpoints are not managed", errno);
            }

            // Split-route mode's endpoint host routes follow roaming peers (a no-op unless `wgsharp up` started us).
            using EndpointRouteKeeper? endpointRoutes = netlink is null
                ? null
                : new EndpointRouteKeeper(_interfaceName, device, store, netlink, _privileged, _logger, _clock);
            if (netlink is not null)
            {
                // The per-peer steering tables `wgsharp up` recorded (none when it did not start this daemon).
                var steering = new WhenUpRouteKeeper.StateFileSteeringTables(store, _interfaceName,
                    Environment.ProcessId, Host.NetworkNamespaceIdentity.Current());
                keeper = new WhenUpRouteKeeper(new KeeperDevice(device), new KeeperRoutes(netlink, _privileged), _interfaceName, _logger, steering);
                keeper.Start();
            }

            if (!staysRoot)
            {
                socketRemover = DaemonPrivileges.StartSocketRemover(socketPath);
            }

            List<string> identity = [staying];
            if (dropTo is { } user)
            {
                ushort port;
                using (DeviceSnapshot snapshot = device.GetSnapshot())
                {
                    port = snapshot.ListenPort;
                }

                identity = DaemonPrivileges.Drop(_privileged, user, port);
            }

            foreach (string line in identity)
            {
                _logger.LogInformation("{Line}", line);
            }

            ready(identity);

            Task finished = await Task.WhenAny(signalled.Task, device.Completion, uapi.SocketRemoved).ConfigureAwait(false);
            string reason = finished == signalled.Task ? signalled.Task.Result
                : finished == device.Completion ? device.StopReason ?? "device stopped"
                : "UAPI socket removed";
            _logger.LogDebug("Shutting down: {Reason}", reason);
            return reason;

            void Stop(PosixSignalContext context, string why)
            {
                context.Cancel = true; // we shut down ourselves, cleanly
                signalled.TrySetResult(why);
            }
        }
        finally
        {
            if (uapi is not null)
            {
                await uapi.DisposeAsync().ConfigureAwait(false);
            }

            // Before the TUN device goes: its routes are removed explicitly, not left to vanish with the link.
            if (keeper is not null)
            {
                await keeper.DisposeAsync().ConfigureAwait(false);
            }

            netlink?.Dispose();

            device.Close("daemon exiting");
            tun.Dispose();
            if (socketRemover is not null)
            {
                // It removes the socket once its input ends; wait for it, so the socket is gone when the daemon is.
                socketRemover.StandardInput.Close();
                socketRemover.WaitForExit(TimeSpan.FromSeconds(2));
                socketRemover.Dispose();
            }
        }
    }

    private sealed class KeeperDevice(WireGuardDevice device) : WhenUpRouteKeeper.IDevice
    {
        public event Action<PublicKey, bool>? PeerLivenessChanged
        {
            add => device.PeerLivenessChanged += value;
            remove => device.PeerLivenessChanged -= value;
        }

        public RouterConfiguration RouterConfiguration => device.RouterConfiguration;

        public DeviceSnapshot GetSnapshot() => device.GetSnapshot();

        public IReadOnlyCollection<PublicKey> LiveWhenUpPeers() =>
            [.. device.GetRouterStatus(maxFlows: 0).WhenUpPeers.Where(p => p.Value).Select(p => p.Key)];
    }

    // Route changes need CAP_NET_ADMIN on the sending thread: the privileged one.
    private sealed class KeeperRoutes(RtNetlink netlink, PrivilegedThread privileged) : WhenUpRouteKeeper.IRoutes
    {
        public void AddRoute(RouteEntry route) => privileged.Invoke(() => netlink.AddRoute(route));

        public void DeleteRoute(RouteEntry route) => privileged.Invoke(() => netlink.DeleteRoute(route));
    }
}
