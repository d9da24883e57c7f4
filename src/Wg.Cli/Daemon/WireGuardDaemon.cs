// `wgsharp <ifname>`: one WireGuard interface served until it is told to stop. Creates the TUN device,
// starts the device pipeline, and serves the UAPI socket /var/run/wireguard/<ifname>.sock that `wg`
// talks to. It stops on SIGTERM/SIGINT, when the interface is deleted (`ip link del`), or when its
// socket file is removed (how `wg-quick down` stops userspace daemons), and cleans up behind itself.
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using WgSharp.Cli.Uapi;
using WgSharp.Router.Device;
using WgSharp.Tun;

namespace WgSharp.Cli.Daemon;

internal sealed class WireGuardDaemon
{
    private readonly string _interfaceName;
    private readonly ILogger _logger;

    public WireGuardDaemon(string interfaceName, ILogger logger)
    {
        _interfaceName = interfaceName;
        _logger = logger;
    }

    /// <summary>
    /// Brings the interface up, calls <paramref name="ready"/> once `wg` can talk to it, and runs until
    /// stopped. Startup failures throw <see cref="DaemonStartException"/> with a message for the user.
    /// </summary>
    public async Task<string> RunAsync(Action ready)
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

        var device = new WireGuardDevice(tun, port => UdpBind.Open(port), _logger);
        UapiServer? uapi = null;
        try
        {
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
            // Split-route mode's endpoint host routes follow roaming peers (a no-op unless `wgsharp up` started us).
            using var endpointRoutes = new EndpointRouteKeeper(_interfaceName, device, new Quick.QuickStateStore(), _logger);
            var signalled = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            using PosixSignalRegistration term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => Stop(c, "received SIGTERM"));
            using PosixSignalRegistration interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => Stop(c, "received SIGINT"));
            using PosixSignalRegistration hangup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, c => Stop(c, "received SIGHUP"));
            ready();

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

            device.Close("daemon exiting");
            tun.Dispose();
        }
    }
}
