// The UAPI server: listens on /var/run/wireguard/<ifname>.sock and answers wireguard-go's
// cross-platform configuration protocol (https://www.wireguard.com/xplatform/) for one device,
// so the stock `wg` tool manages it. Also watches the socket file: a daemon whose socket was
// deleted must exit (wireguard-go ipc/uapi_linux.go does the same with inotify).
using System.Collections.Concurrent;
using System.Net.Sockets;
using WgSharp.Cli.Interop;
using WgSharp.Router.Configuration;
using WgSharp.Router.Device;

namespace WgSharp.Cli.Uapi;

internal sealed partial class UapiServer : IAsyncDisposable
{
    /// <summary>Longest line accepted, in bytes. The longest valid line is about 80 bytes; wireguard-go's
    /// bufio.Scanner stops at 64 KiB.</summary>
    public const int MaxLineLength = 4096;

    /// <summary>Largest set request, in bytes: room for well over 100,000 allowed IPs while bounding what a
    /// client can make the server hold (the request is parsed in full before it is applied).</summary>
    public const int MaxRequestBytes = 16 * 1024 * 1024;

    /// <summary>Connections served at once; more are closed straight away rather than queued, so that a
    /// stuck client cannot make `wg` hang.</summary>
    public const int MaxConnections = 64;

    private readonly IDeviceConfigurator _device;
    private readonly IRouterConfigurator? _router;
    private readonly Action<string>? _log;
    private readonly Socket _listener;
    private readonly Libc.FileIdentity _socketIdentity;
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _socketRemoved = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // One get or set at a time across all connections, so a get never sees half of a set.
    private readonly SemaphoreSlim _operationLock = new(1, 1);

    private readonly ConcurrentDictionary<long, Task> _connections = new();
    private readonly Task _acceptLoop;
    private readonly Task _socketWatch;
    private long _nextConnectionId;
    private int _connectionCount; // Interlocked
    private int _disposed;        // Interlocked

    private UapiServer(string interfaceName, string socketPath, IDeviceConfigurator device, IRouterConfigurator? router,
        Action<string>? log, Socket listener, Libc.FileIdentity identity, TimeSpan pollInterval)
    {
        InterfaceName = interfaceName;
        SocketPath = socketPath;
        _device = device;
        _router = router;
        _log = log;
        _listener = listener;
        _socketIdentity = identity;
        _acceptLoop = Task.Run(AcceptLoopAsync);
        _socketWatch = Task.Run(() => WatchSocketFileAsync(pollInterval));
    }

    public string InterfaceName { get; }

    public string SocketPath { get; }

    /// <summary>Completes when the socket file is deleted or replaced by another: the daemon should exit
    /// then (`wg-quick down` stops userspace daemons by deleting their socket). Canceled if the server is
    /// disposed first.</summary>
    public Task SocketRemoved => _socketRemoved.Task;

    /// <summary>Creates the socket and starts serving <paramref name="device"/>.</summary>
    /// <param name="log">Receives one line per notable event (refused requests, unexpected errors), possibly
    /// from several threads at once; never key material.</param>
    /// <param name="socketDirectory">Tests may use a private directory; `wg` looks only in the default.</param>
    /// <param name="pollInterval">How often the socket file is checked; one second by default.</param>
    /// <param name="router">Serves the wgsharp-set / wgsharp-get operations; by default the device itself when it
    /// is a WireGuardDevice. Without one they are unknown operations (the connection is closed, as wireguard-go does).</param>
    /// <exception cref="UapiSocketInUseException">Another live daemon serves this interface.</exception>
    /// <exception cref="ArgumentException">The interface name is not valid.</exception>
    public static UapiServer Start(string interfaceName, IDeviceConfigurator device, Action<string>? log = null,
        string socketDirectory = UapiSocket.DefaultDirectory, TimeSpan? pollInterval = null, IRouterConfigurator? router = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        string path = UapiSocket.PathFor(interfaceName, socketDirectory);
        Socket listener = UapiSocket.Listen(path, out Libc.FileIdentity identity);
        router ??= device is WireGuardDevice wireGuard ? new DeviceRouterConfigurator(wireGuard) : null;
        return new UapiServer(interfaceName, path, device, router, log, listener, identity, pollInterval ?? TimeSpan.FromSeconds(1));
    }

    /// <summary>Stops accepting, closes every connection, and removes the socket file if it is still ours.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        // Remove the file before closing the listener: once it is closed a client could see a dead
        // socket, and `wg` deletes dead sockets itself.
        try
        {
            UapiSocket.RemoveIfOwned(SocketPath, _socketIdentity);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) // no longer root: see DaemonPrivileges
        {
            Log($"could not remove {SocketPath}: {e.Message}");
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        await _socketWatch.ConfigureAwait(false);
        await Task.WhenAll(_connections.Values).ConfigureAwait(false);
        _socketRemoved.TrySetCanceled();
        _stopping.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        CancellationToken stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(stopping).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                if (stopping.IsCancellationRequested)
                {
                    return;
                }

                // Transient (EMFILE, ECONNABORTED, ...): keep serving, but do not spin.
                Log($"accept failed: {e.SocketErrorCode}");
                await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
                continue;
            }

            if (Interlocked.Increment(ref _connectionCount) > MaxConnections)
            {
                Interlocked.Decrement(ref _connectionCount);
                Log($"refused a connection: {MaxConnections} already open");
                client.Dispose();
                continue;
            }

            // Registered before it starts, so that its own removal (however quickly it ends) finds it.
            long id = Interlocked.Increment(ref _nextConnectionId);
            var connection = new Task<Task>(() => ServeAndForgetAsync(id, client));
            _connections[id] = connection.Unwrap();
            connection.Start(TaskScheduler.Default);
        }
    }

    private async Task ServeAndForgetAsync(long id, Socket client)
    {
        try
        {
            await ServeConnectionAsync(client, _stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _connectionCount);
            _connections.TryRemove(id, out _);
        }
    }

    private async Task WatchSocketFileAsync(TimeSpan pollInterval)
    {
        using var timer = new PeriodicTimer(pollInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                if (!Libc.TryStat(Libc.AtFdCwd, SocketPath, Libc.AtSymlinkNoFollow, out Libc.FileIdentity current)
                    || !current.IsSameFile(_socketIdentity))
                {
                    Log($"{SocketPath} was removed or replaced");
                    _socketRemoved.TrySetResult();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void Log(string message) => _log?.Invoke($"uapi {InterfaceName}: {message}");
}
